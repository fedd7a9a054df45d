CREATE TABLE `knowledge_embeddings` (
	`kind` text NOT NULL,
	`source_id` text NOT NULL,
	`locale` text NOT NULL,
	`passage` integer NOT NULL,
	`model` text NOT NULL,
	`text_hash` text NOT NULL,
	`vector` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`kind`, `source_id`, `locale`, `passage`)
);
--> statement-breakpoint
ALTER TABLE `articles` ADD `translations` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `faqs` ADD `translations` text DEFAULT '{}' NOT NULL;