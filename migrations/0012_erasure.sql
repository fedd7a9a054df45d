ALTER TABLE `profiles` ADD `erased_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `erased_at` text;--> statement-breakpoint
-- A customer erased while a chat of theirs was being opened must not get a ticket after all:
-- the database refuses it, whatever checked before (drizzle cannot express triggers). An upsert
-- of a ticket that exists (its object's erased record) is an update, and passes.
CREATE TRIGGER `tickets_erased_profile_bi` BEFORE INSERT ON `tickets`
	WHEN (SELECT `erased_at` FROM `profiles` WHERE `id` = new.`profile_id`) IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM `tickets` WHERE `id` = new.`id`)
BEGIN
	SELECT RAISE(ABORT, 'profile erased');
END;
