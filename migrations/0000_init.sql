CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`password_salt` text NOT NULL,
	`password_iterations` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agents_email_unique` ON `agents` (`email`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`name` text NOT NULL,
	`value` real,
	`properties` text,
	`occurred_at` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `events_profile_time_idx` ON `events` (`profile_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `faqs` (
	`id` text PRIMARY KEY NOT NULL,
	`question` text NOT NULL,
	`answer` text NOT NULL,
	`published` integer NOT NULL,
	`position` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `faqs_published_position_idx` ON `faqs` (`published`,`position`);--> statement-breakpoint
CREATE TABLE `macros` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `profiles` (
	`id` text PRIMARY KEY NOT NULL,
	`external_id` text,
	`email` text,
	`phone` text,
	`name` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `profiles_external_id_idx` ON `profiles` (`external_id`);--> statement-breakpoint
CREATE INDEX `profiles_phone_idx` ON `profiles` (`phone`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_agent_idx` ON `sessions` (`agent_id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`data` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`status` text NOT NULL,
	`snooze_until` text,
	`assignee_id` text,
	`profile_id` text NOT NULL,
	`customer_name` text,
	`preview` text,
	`unread` integer DEFAULT false NOT NULL,
	`visible` integer DEFAULT false NOT NULL,
	`last_message_at` text,
	`created_at` text NOT NULL,
	`closed_at` text,
	`version` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `tickets_status_activity_idx` ON `tickets` (`visible`,`status`,`last_message_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_assignee_activity_idx` ON `tickets` (`visible`,`status`,`assignee_id`,`last_message_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_channel_activity_idx` ON `tickets` (`visible`,`status`,`channel`,`last_message_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_activity_idx` ON `tickets` (`visible`,`last_message_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_counts_idx` ON `tickets` (`visible`,`status`,`unread`);--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_one_open_per_channel_idx` ON `tickets` (`profile_id`,`channel`) WHERE status <> 'closed';--> statement-breakpoint
CREATE INDEX `tickets_profile_idx` ON `tickets` (`profile_id`,`created_at`);