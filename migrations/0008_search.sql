CREATE TABLE `search_documents` (
	`id` integer PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`author_kind` text,
	`body` text NOT NULL,
	`created_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_documents_ref_idx` ON `search_documents` (`ticket_id`,`kind`,`ref`);--> statement-breakpoint
-- Below: what drizzle cannot express (written by hand; drizzle-kit generated the table above).
-- The full-text index over search_documents.body (external content: the text is stored once, in
-- search_documents). Accents fold ("boras" finds "Borås"); prefix indexes of 2 and 3 characters
-- keep short prefix queries ("re*") from walking every term.
CREATE VIRTUAL TABLE `search_index` USING fts5(
	body,
	content = 'search_documents',
	content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
--> statement-breakpoint
CREATE TRIGGER `search_documents_ai` AFTER INSERT ON `search_documents` BEGIN
	INSERT INTO search_index (rowid, body) VALUES (new.id, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `search_documents_ad` AFTER DELETE ON `search_documents` BEGIN
	INSERT INTO search_index (search_index, rowid, body) VALUES ('delete', old.id, old.body);
END;
--> statement-breakpoint
CREATE TRIGGER `search_documents_au` AFTER UPDATE OF body ON `search_documents` BEGIN
	INSERT INTO search_index (search_index, rowid, body) VALUES ('delete', old.id, old.body);
	INSERT INTO search_index (rowid, body) VALUES (new.id, new.body);
END;
--> statement-breakpoint
-- Notes are indexed as they are written, whoever writes them.
CREATE TRIGGER `notes_search_ai` AFTER INSERT ON `notes` BEGIN
	INSERT OR IGNORE INTO search_documents (ticket_id, kind, ref, body, created_at) VALUES (new.ticket_id, 'note', new.id, new.body, new.created_at);
END;
--> statement-breakpoint
CREATE TRIGGER `notes_search_au` AFTER UPDATE OF body ON `notes` BEGIN
	UPDATE search_documents SET body = new.body WHERE ticket_id = new.ticket_id AND kind = 'note' AND ref = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `notes_search_ad` AFTER DELETE ON `notes` BEGIN
	DELETE FROM search_documents WHERE ticket_id = old.ticket_id AND kind = 'note' AND ref = old.id;
END;
--> statement-breakpoint
-- A ticket is findable by its id and by its customer's name, email and phone (the phone also as
-- bare digits, so "46701234567" finds "+46 70-123 45 67"): one profile document per ticket, so
-- that every document belongs to one ticket and the search joins tickets by primary key.
CREATE TRIGGER `tickets_search_ai` AFTER INSERT ON `tickets` BEGIN
	INSERT OR IGNORE INTO search_documents (ticket_id, kind, ref, body) VALUES (new.id, 'ticket', new.id, new.id);
	INSERT OR IGNORE INTO search_documents (ticket_id, kind, ref, body)
		SELECT new.id, 'profile', p.id,
			trim(coalesce(p.name, '') || ' ' || coalesce(p.email, '') || ' ' || coalesce(p.phone, '') || ' ' ||
				coalesce(replace(replace(replace(replace(replace(replace(p.phone, '+', ''), ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), ''))
		FROM profiles p WHERE p.id = new.profile_id;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_search_ad` AFTER DELETE ON `tickets` BEGIN
	DELETE FROM search_documents WHERE ticket_id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `profiles_search_au` AFTER UPDATE OF name, email, phone ON `profiles` BEGIN
	UPDATE search_documents
		SET body = trim(coalesce(new.name, '') || ' ' || coalesce(new.email, '') || ' ' || coalesce(new.phone, '') || ' ' ||
			coalesce(replace(replace(replace(replace(replace(replace(new.phone, '+', ''), ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), ''))
		WHERE ticket_id IN (SELECT id FROM tickets WHERE profile_id = new.id) AND kind = 'profile' AND ref = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `profiles_search_ad` AFTER DELETE ON `profiles` BEGIN
	DELETE FROM search_documents WHERE ticket_id IN (SELECT id FROM tickets WHERE profile_id = old.id) AND kind = 'profile' AND ref = old.id;
END;
--> statement-breakpoint
-- Tickets and profiles from before search.
INSERT INTO search_documents (ticket_id, kind, ref, body) SELECT id, 'ticket', id, id FROM tickets;
--> statement-breakpoint
INSERT INTO search_documents (ticket_id, kind, ref, body)
	SELECT t.id, 'profile', p.id,
		trim(coalesce(p.name, '') || ' ' || coalesce(p.email, '') || ' ' || coalesce(p.phone, '') || ' ' ||
			coalesce(replace(replace(replace(replace(replace(replace(p.phone, '+', ''), ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), ''))
	FROM tickets t JOIN profiles p ON p.id = t.profile_id;
