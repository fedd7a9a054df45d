CREATE TABLE `customer_uploads` (
	`key` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `customer_uploads_profile_idx` ON `customer_uploads` (`profile_id`);