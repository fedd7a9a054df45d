CREATE TABLE `shopify_deliveries` (
	`webhook_id` text PRIMARY KEY NOT NULL,
	`topic` text NOT NULL,
	`received_at` text NOT NULL
);
