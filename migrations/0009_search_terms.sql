-- The search index's words with the number of documents that hold each (fts5vocab, kept by
-- FTS5 itself). A searched word of 4 letters or more is matched as the index's words it begins,
-- found here, rather than as an FTS5 prefix: a prefix query reads every document of every such
-- word before it can stop, a word query only as many as the search keeps (docs/search.md).
CREATE VIRTUAL TABLE `search_terms` USING fts5vocab(search_index, 'row');
