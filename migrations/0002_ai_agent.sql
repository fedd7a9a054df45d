CREATE TABLE `articles` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `credentials` (
	`name` text PRIMARY KEY NOT NULL,
	`ciphertext` text NOT NULL,
	`host` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `handoffs` (
	`ticket_id` text PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text,
	`external_id` text,
	`summary` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `handoffs_updated_idx` ON `handoffs` (`updated_at`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `handled_by_ai` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_ai_activity_idx` ON `tickets` (`handled_by_ai`,`last_message_at`,`id`);