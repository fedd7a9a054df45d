// Search for agents (spec v2 "Search"): words and word prefixes in messages, notes, customers'
// names, emails and phones, and ticket ids, over tickets of any age and status.
import { z } from "@hono/zod-openapi";
import { AuthorKind, Channel, Profile, Ticket, TicketStatus } from "./models";

/** Longer questions are not searches: they would only make the index work harder. */
export const MAX_SEARCH_CHARS = 200;
export const SEARCH_KINDS = ["message", "note", "profile", "ticket"] as const;

/** `?status=` (empty, as the contract writes it) means no filter, as in the ticket list. */
const optionalFilter = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

export const SearchQuery = z.object({
  q: z.string().trim().min(1, "must not be empty").max(MAX_SEARCH_CHARS).openapi({
    description: "Words; each also finds words it begins (`refun` finds `refund`). Case and accents are ignored; punctuation is text, not syntax.",
  }),
  status: optionalFilter(TicketStatus),
  channel: optionalFilter(Channel),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(100).optional(),
});

export const SearchMatch = z
  .object({
    kind: z.enum(SEARCH_KINDS),
    seq: z.number().int().optional().openapi({ description: "The message's seq (kind `message`)" }),
    author: AuthorKind.optional().openapi({ description: "Who wrote the message (kind `message`; Parley extension)" }),
    noteId: z.string().optional().openapi({ description: "The note's id (kind `note`; Parley extension)" }),
    snippet: z.string().openapi({
      description: "The text around the hit as HTML-escaped text, each hit inside `<mark>…</mark>`; `…` where the text was cut",
      example: "Could I get a <mark>refund</mark> for the blue scarf…",
    }),
  })
  .openapi("SearchMatch");

export const SearchResult = z.object({ ticket: Ticket, profile: Profile.nullable(), match: SearchMatch }).openapi("SearchResult");
export const SearchPage = z
  .object({
    results: z.array(SearchResult).openapi({ description: "Best match first (BM25), then the most recent" }),
    nextCursor: z.string().nullable(),
  })
  .openapi("SearchPage");

export type SearchQueryT = z.infer<typeof SearchQuery>;
export type SearchMatchT = z.infer<typeof SearchMatch>;
export type SearchResultT = z.infer<typeof SearchResult>;
export type SearchPageT = z.infer<typeof SearchPage>;
