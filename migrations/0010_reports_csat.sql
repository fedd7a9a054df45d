CREATE TABLE `ticket_replies` (
	`ticket_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`replies` integer NOT NULL,
	`started_at` integer NOT NULL,
	PRIMARY KEY(`ticket_id`, `agent_id`)
);
--> statement-breakpoint
CREATE INDEX `ticket_replies_agent_idx` ON `ticket_replies` (`agent_id`,`started_at`,`ticket_id`,`replies`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `started_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `first_response_s` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `first_responder_id` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolution_s` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `agent_replies` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `rating_score` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `rating_comment` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `rated_at` text;--> statement-breakpoint
CREATE INDEX `tickets_reports_idx` ON `tickets` (`started_at`,`channel`,`status`,`first_response_s`,`resolution_s`,`rating_score`,`first_responder_id`,`id`);