CREATE TABLE `notes` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`author_id` text NOT NULL,
	`author_name` text NOT NULL,
	`body` text NOT NULL,
	`mentions` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notes_client_idx` ON `notes` (`ticket_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `notes_ticket_idx` ON `notes` (`ticket_id`,`created_at`);