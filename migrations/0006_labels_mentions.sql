CREATE TABLE `labels` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`color` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `labels_name_idx` ON `labels` (lower("name"));--> statement-breakpoint
CREATE TABLE `mentions` (
	`agent_id` text NOT NULL,
	`note_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`agent_id`, `note_id`)
);
--> statement-breakpoint
CREATE INDEX `mentions_agent_idx` ON `mentions` (`agent_id`,`created_at`,`ticket_id`);--> statement-breakpoint
CREATE TABLE `ticket_labels` (
	`ticket_id` text NOT NULL,
	`label` text NOT NULL,
	`visible` integer NOT NULL,
	`status` text NOT NULL,
	`last_message_at` text,
	PRIMARY KEY(`ticket_id`, `label`)
);
--> statement-breakpoint
CREATE INDEX `ticket_labels_activity_idx` ON `ticket_labels` (`label`,`visible`,`status`,`last_message_at`,`ticket_id`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `labels` text DEFAULT '[]' NOT NULL;