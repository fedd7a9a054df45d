// The search index in D1 (migration 0008, docs/search.md): what goes in from the ticket objects'
// syncs, and the one query agents run against it. Notes, profiles and ticket ids are indexed by
// SQLite triggers; messages live in their tickets' objects and arrive here with the D1 sync.
import { sql, type SQL } from "drizzle-orm";
import type { AuthorT, ChannelT, SearchMatchT, SearchPageT, SearchResultT, TicketStatusT } from "../../contract";
import { SNIPPET_MARK } from "../../contract/snippet";
import type { Db } from "../db/client";
import { profiles, searchDocuments, tickets } from "../db/schema";
import { toProfile } from "./profiles";
import { ticketFromRow } from "./tickets";

/** A message as its ticket's object hands it to the index. */
export type IndexedMessage = { seq: number; authorKind: AuthorT["kind"]; body: string; createdAt: string };

/** A ticket's messages not yet indexed, as one sync carries them. */
export type TicketMessages = { ticketId: string; messages: IndexedMessage[] };

/**
 * JSON characters per insert: D1 takes a bound value of up to 2 MB, and a character is at most
 * 3 bytes of UTF-8 (JSON escapes the rest).
 */
const MAX_INSERT_CHARS = 600_000;

/**
 * The inserts that index these messages: one statement per ~600,000 characters (not one per
 * message, so a batch of many tickets stays one D1 query, or a few), as query builders that go
 * into a D1 batch. A message indexed already (a sync repeated after its answer was lost) is left
 * as it is.
 */
export function indexMessages(database: Db, owed: TicketMessages[]) {
  const chunks: string[][] = [];
  let size = Infinity;
  for (const { ticketId, messages } of owed) {
    for (const { seq, authorKind, body, createdAt } of messages) {
      const row = JSON.stringify([ticketId, seq, authorKind, body, createdAt]);
      if (size + row.length > MAX_INSERT_CHARS) {
        chunks.push([]);
        size = 0;
      }
      chunks.at(-1)!.push(row);
      size += row.length + 1;
    }
  }
  // Every column in the table's order, the id (NULL) first: SQLite numbers the rows. `WHERE true`
  // keeps SQLite from reading the upsert's ON CONFLICT as a join's ON.
  return chunks.map((rows) =>
    database
      .insert(searchDocuments)
      .select(
        sql`SELECT NULL, m.value ->> 0, 'message', m.value ->> 1, m.value ->> 2, m.value ->> 3, m.value ->> 4 FROM json_each(${`[${rows.join(",")}]`}) AS m WHERE true`,
      )
      .onConflictDoNothing({ target: [searchDocuments.ticketId, searchDocuments.kind, searchDocuments.ref] }),
  );
}

// ---- the query -------------------------------------------------------------------------------

/** At most this many words are searched; the rest of a long question is left out. */
const MAX_TERMS = 12;
/** A question made of a phone number's characters only, with at least this many digits. */
const PHONE = /^\+?[\d\s().-]+$/;
const MIN_PHONE_DIGITS = 6;

/**
 * The words searched for: each whitespace-separated word with a letter or digit, or, for a phone
 * number, its digits as one word (profiles are indexed with their phone's digits too).
 */
function searchWords(question: string): string[] {
  const digits = question.replace(/\D/g, "");
  if (PHONE.test(question.trim()) && digits.length >= MIN_PHONE_DIGITS) return [digits];
  return question
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .slice(0, MAX_TERMS);
}

/** Words this long or longer are matched as the index's words they begin (see expansions()). */
const MIN_EXPANDED_CHARS = 4;
/** A word that begins more of the index's words than this is searched as an FTS5 prefix. */
const MAX_EXPANSION = 8;
/** Above every character: the end of the range of terms that begin with a word. */
const LAST_CHAR = "\u{10FFFF}";

/** A word as the index stores it (unicode61, remove_diacritics 2): no case, no accents. */
const fold = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/**
 * For each word: the index's words it begins, when it is one token of 4 letters or more and begins
 * at most MAX_EXPANSION of them (most words); else null (searched as an FTS5 prefix). One D1 query
 * for all the words, read from search_terms (fts5vocab), by range of terms.
 */
async function expansions(database: Db, words: string[]): Promise<(string[] | null)[]> {
  const expandable = words.map((word) => /^[\p{L}\p{N}]+$/u.test(word) && word.length >= MIN_EXPANDED_CHARS);
  const lookups = words.flatMap((word, i) => (expandable[i] ? [termsBeginning(fold(word), i)] : []));
  if (lookups.length === 0) return words.map(() => null);
  const rows = await database.all<{ word: number; term: string }>(sql.join(lookups, sql` UNION ALL `));
  return words.map((_, i) => {
    if (!expandable[i]) return null;
    const terms = rows.filter((row) => row.word === i).map((row) => row.term);
    return terms.length <= MAX_EXPANSION ? terms : null;
  });
}

/** The index's words that begin with `prefix` (MAX_EXPANSION + 1 at most: enough to know there are more), tagged `tag`. */
export const termsBeginning = (prefix: string, tag: number) =>
  sql`SELECT ${tag} AS word, term FROM (SELECT term FROM search_terms WHERE term >= ${prefix} AND term < ${prefix + LAST_CHAR} LIMIT ${MAX_EXPANSION + 1})`;

const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * The question as an FTS5 query that cannot be a syntax error: each word becomes quoted strings
 * (so `"`, `*`, `:`, `^`, `-`, parentheses, NEAR, AND, OR and NOT are text), and the words must all
 * appear. A word also finds the words it begins: as the index's words it begins when they are
 * known (`expanded`; a word the index lacks then finds nothing), else as an FTS5 prefix; a word of
 * one character is matched whole (no prefix index covers one). Null when there is nothing to search for.
 */
export function ftsQuery(question: string, expanded: (string[] | null)[] = []): string | null {
  const words = searchWords(question);
  const match = words.map((word, i) => {
    const terms = expanded[i];
    if (terms) return terms.length === 0 ? quoted(word) : `(${terms.map(quoted).join(" OR ")})`;
    return word.replace(/[^\p{L}\p{N}]/gu, "").length > 1 ? `${quoted(word)}*` : quoted(word);
  });
  return match.length ? match.join(" AND ") : null;
}

/** The FTS5 query for a question, its words expanded as the index stands now. */
export const matchFor = async (database: Db, question: string) => ftsQuery(question, await expansions(database, searchWords(question)));

export type SearchFilter = { status?: TicketStatusT; channel?: ChannelT; limit: number; offset: number };

/**
 * How many of the newest matching documents are ranked. Ranking all of them would cost one BM25
 * score (and one ticket lookup) per match: for a word in a third of a million messages, seconds.
 * Bounded, a search costs the same at any size; a rare word (fewer matches than this) is ranked
 * among all its matches, of any age (docs/search.md).
 */
export const RANKED_MATCHES = 2000;

/**
 * The search, in three steps: FTS5 walks the matches newest first (by rowid, the index's own
 * order: no sort) and keeps the first RANKED_MATCHES whose ticket the inbox shows and the filters
 * allow, each joined to its document and ticket by key; those are ordered by BM25, then the most
 * recent (a message's or note's time, a profile's or ticket id's ticket activity), and the page is
 * cut; only the page's rows are read whole, with their ticket and customer.
 */
export function searchSql(match: string, { status, channel, limit, offset }: SearchFilter): SQL {
  const filters = [sql`${tickets.visible} = 1`];
  if (status) filters.push(sql`${tickets.status} = ${status}`);
  if (channel) filters.push(sql`${tickets.channel} = ${channel}`);
  return sql`WITH candidates AS MATERIALIZED (
      SELECT search_index.rowid AS id, bm25(search_index) AS score,
        coalesce(${searchDocuments.createdAt}, ${tickets.lastMessageAt}, ${tickets.createdAt}) AS at
      FROM search_index
      JOIN ${searchDocuments} ON ${searchDocuments.id} = search_index.rowid
      JOIN ${tickets} ON ${tickets.id} = ${searchDocuments.ticketId}
      WHERE search_index MATCH ${match} AND ${sql.join(filters, sql` AND `)}
      ORDER BY search_index.rowid DESC LIMIT ${RANKED_MATCHES}
    ),
    page AS MATERIALIZED (SELECT id, score, at FROM candidates ORDER BY score, at DESC, id DESC LIMIT ${limit} OFFSET ${offset})
    SELECT ${searchDocuments.kind} AS kind, ${searchDocuments.ref} AS ref, ${searchDocuments.authorKind} AS author_kind,
      ${searchDocuments.body} AS body, ${tickets}.*,
      ${profiles.id} AS p_id, ${profiles.externalId} AS p_external_id, ${profiles.email} AS p_email, ${profiles.phone} AS p_phone,
      ${profiles.name} AS p_name, ${profiles.createdAt} AS p_created_at
    FROM page
    CROSS JOIN ${searchDocuments} ON ${searchDocuments.id} = page.id
    JOIN ${tickets} ON ${tickets.id} = ${searchDocuments.ticketId}
    LEFT JOIN ${profiles} ON ${profiles.id} = ${tickets.profileId}
    ORDER BY page.score, page.at DESC, page.id DESC`;
}

type Row = {
  kind: SearchMatchT["kind"];
  ref: string;
  author_kind: AuthorT["kind"] | null;
  body: string;
  id: string;
  channel: ChannelT;
  status: TicketStatusT;
  snooze_until: string | null;
  assignee_id: string | null;
  profile_id: string;
  customer_name: string | null;
  preview: string | null;
  unread: number;
  visible: number;
  last_message_at: string | null;
  created_at: string;
  closed_at: string | null;
  version: number;
  handled_by_ai: number;
  labels: string;
  rating_score: number | null;
  rating_comment: string | null;
  rated_at: string | null;
  p_id: string | null;
  p_external_id: string | null;
  p_email: string | null;
  p_phone: string | null;
  p_name: string | null;
  p_created_at: string | null;
};

function matchOf(row: Row, terms: string[]): SearchMatchT {
  const snippet = snippetOf(row.body, terms);
  if (row.kind === "message") return { kind: "message", seq: Number(row.ref), ...(row.author_kind ? { author: row.author_kind } : {}), snippet };
  if (row.kind === "note") return { kind: "note", noteId: row.ref, snippet };
  return { kind: row.kind, snippet };
}

function resultOf(row: Row, terms: string[]): SearchResultT {
  const ticket = ticketFromRow({
    id: row.id,
    channel: row.channel,
    status: row.status,
    snoozeUntil: row.snooze_until,
    assigneeId: row.assignee_id,
    profileId: row.profile_id,
    customerName: row.customer_name,
    preview: row.preview,
    unread: row.unread === 1,
    visible: row.visible === 1,
    lastMessageAt: row.last_message_at,
    createdAt: row.created_at,
    closedAt: row.closed_at,
    version: row.version,
    handledByAi: row.handled_by_ai === 1,
    labels: JSON.parse(row.labels) as string[],
    ratingScore: row.rating_score,
    ratingComment: row.rating_comment,
    ratedAt: row.rated_at,
  });
  const profile =
    row.p_id === null
      ? null
      : toProfile({
          id: row.p_id,
          externalId: row.p_external_id,
          email: row.p_email,
          phone: row.p_phone,
          name: row.p_name,
          createdAt: row.p_created_at!,
        });
  return { ticket, profile, match: matchOf(row, terms) };
}

// The cursor is the position in the ranking: documents indexed between two pages may shift it by
// as many places (docs/search.md). Paging stops at MAX_OFFSET results.
const MAX_OFFSET = 10_000;

export const encodeSearchCursor = (offset: number) => btoa(`s${offset}`).replaceAll("=", "");

/** The offset a cursor from this API stands for, or null for anything else. */
export function decodeSearchCursor(cursor: string): number | null {
  try {
    const match = /^s(\d{1,5})$/.exec(atob(cursor));
    const offset = match ? Number(match[1]) : NaN;
    return offset <= MAX_OFFSET ? offset : null;
  } catch {
    return null;
  }
}

/** A page of search results from `offset` on. */
export async function search(database: Db, question: string, filter: SearchFilter): Promise<SearchPageT> {
  const words = searchWords(question);
  const match = await matchFor(database, question);
  if (match === null) return { results: [], nextCursor: null };
  const rows = await database.all<Row>(searchSql(match, { ...filter, limit: filter.limit + 1 }));
  const next = filter.offset + filter.limit;
  const terms = words.flatMap((word) => [...word.matchAll(TOKEN)].map(([token]) => fold(token)));
  return {
    results: rows.slice(0, filter.limit).map((row) => resultOf(row, terms)),
    nextCursor: rows.length > filter.limit && next <= MAX_OFFSET ? encodeSearchCursor(next) : null,
  };
}

// ---- the snippet ------------------------------------------------------------------------------
// Made here from the page's documents, not by FTS5's snippet(): that reads the query's matches
// again for every row, which for a common word costs more than the whole search.

/** A token as FTS5's unicode61 tokenizer sees one: letters, digits (and their combining marks). */
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;
/** Tokens in a snippet, and how many of them come before the first hit. */
const SNIPPET_TOKENS = 16;
const SNIPPET_BEFORE = 5;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!);

/**
 * The text around the first hit, HTML-escaped, each token that begins with a searched term inside
 * SNIPPET_MARK (hits joined by punctuation alone, like `tkt_42`, in one mark); `…` where cut.
 */
export function snippetOf(body: string, terms: string[]): string {
  const tokens = [...body.matchAll(TOKEN)].map((found) => ({
    start: found.index,
    end: found.index + found[0].length,
    hit: terms.some((term) => fold(found[0]).startsWith(term)),
  }));
  const from = Math.max(0, tokens.findIndex((token) => token.hit) - SNIPPET_BEFORE);
  const to = Math.min(tokens.length, from + SNIPPET_TOKENS);
  let out = from > 0 ? "…" : "";
  let at = from > 0 ? tokens[from]!.start : 0;
  let open = false;
  for (const token of tokens.slice(from, to)) {
    const gap = body.slice(at, token.start);
    if (open && (!token.hit || /\s/.test(gap))) {
      out += SNIPPET_MARK.close;
      open = false;
    }
    out += escapeHtml(gap);
    if (token.hit && !open) {
      out += SNIPPET_MARK.open;
      open = true;
    }
    out += escapeHtml(body.slice(token.start, token.end));
    at = token.end;
  }
  if (open) out += SNIPPET_MARK.close;
  return to < tokens.length ? `${out}…` : out + escapeHtml(body.slice(at));
}
