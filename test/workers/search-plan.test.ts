// The search query (worker/lib/search.ts searchSql, exactly as the route runs it) must start from
// the FTS5 index and reach each document, ticket and profile by key: never a scan of the
// documents, the tickets or the profiles, with or without filters, before and after ANALYZE.
import { env } from "cloudflare:workers";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../../worker/db/client";
import { matchFor, searchSql, termsBeginning, type SearchFilter } from "../../worker/lib/search";
import { planSteps, type Query } from "./query-plans";

const TICKETS = 10_000;
const MESSAGES_PER_TICKET = 5;

/** The search query exactly as the route builds it, its words expanded from the seeded index. */
async function query(question: string, filter: Partial<SearchFilter> = {}): Promise<Query> {
  const match = (await matchFor(db(env.DB), question))!;
  return new SQLiteAsyncDialect().sqlToQuery(searchSql(match, { limit: 21, offset: 0, ...filter }));
}

beforeAll(async () => {
  const started = performance.now();
  const numbers = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)`;
  await env.DB.prepare(
    `INSERT INTO profiles (id, external_id, email, name, created_at, updated_at) ${numbers}
     SELECT printf('prf_%06d', i), printf('ext_%06d', i), printf('c%06d@example.com', i), printf('Customer %d', i), '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z' FROM n`,
  )
    .bind(TICKETS)
    .run();
  // The triggers index each ticket's id and its customer as the tickets go in.
  await env.DB.prepare(
    `INSERT INTO tickets (id, channel, status, profile_id, visible, last_message_at, created_at, version) ${numbers}
     SELECT printf('tkt_%06d', i), CASE WHEN i % 4 = 0 THEN 'sms' ELSE 'webchat' END, CASE WHEN i % 5 = 0 THEN 'open' ELSE 'closed' END,
            printf('prf_%06d', i), 1, strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + i * 60, 'unixepoch'), '2025-01-01T00:00:00.000Z', 1 FROM n`,
  )
    .bind(TICKETS)
    .run();
  // Messages as the D1 sync writes them: a few words drawn from a small vocabulary, so that common
  // words match thousands of documents and rare ones a handful.
  await env.DB.prepare(
    `INSERT INTO search_documents (ticket_id, kind, ref, author_kind, body, created_at)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     SELECT printf('tkt_%06d', (i - 1) / ?2 + 1), 'message', (i - 1) % ?2 + 1, 'customer',
            'my order ' || (i % 97) || ' needs a refund' || CASE WHEN i % 1000 = 0 THEN ' for the borås parcel' ELSE ' please' END,
            strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + i * 10, 'unixepoch')
     FROM n`,
  )
    .bind(TICKETS * MESSAGES_PER_TICKET, MESSAGES_PER_TICKET)
    .run();
  const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM search_documents").first<{ n: number }>())!;
  console.log(`indexed ${n} documents in ${Math.round(performance.now() - started)} ms`);
}, 120_000);

const searches: Array<[string, string, Partial<SearchFilter>]> = [
  ["a rare word", "boras", {}],
  ["a common word", "refund", {}],
  ["two words", "refund parcel", {}],
  ["a prefix", "ref", {}],
  ["a ticket id", "tkt_000042", {}],
  ["a common word, open only", "refund", { status: "open" }],
  ["a common word, sms only", "refund", { channel: "sms" }],
  ["a common word, closed sms, a later page", "refund", { status: "closed", channel: "sms", offset: 40 }],
];

function expectIndexed(name: string, steps: string[]) {
  const text = steps.join("\n");
  // The matches come from the full-text index (FTS5 reports it as a virtual table index on MATCH),
  // newest first without a sort (192: ORDER BY rowid DESC consumed by the index).
  expect(text, `${name}\n${text}`).toMatch(/^SCAN search_index VIRTUAL TABLE INDEX 192:M/m);
  expect(text, `${name}: documents by rowid\n${text}`).toMatch(/SEARCH search_documents USING INTEGER PRIMARY KEY \(rowid=\?\)/);
  expect(text, `${name}: tickets by id\n${text}`).toMatch(/SEARCH tickets USING INDEX sqlite_autoindex_tickets_1 \(id=\?\)/);
  expect(text, `${name}: profiles by id\n${text}`).toMatch(/SEARCH profiles USING INDEX sqlite_autoindex_profiles_1 \(id=\?\)/);
  expect(text, `${name}: a table scanned\n${text}`).not.toMatch(/SCAN (search_documents|tickets|profiles)\b/);
  // The page is the outer loop of the last step: the index is not walked a second time.
  expect(
    steps.filter((step) => step.startsWith("SCAN search_index")),
    `${name}\n${text}`,
  ).toHaveLength(1);
}

describe(`the search query plan at ${(TICKETS * MESSAGES_PER_TICKET).toLocaleString("en")} messages`, () => {
  const checkAll = (stage: string) => {
    for (const [name, question, filter] of searches) {
      it(`${stage}: ${name} starts from the FTS index`, async () => {
        const built = await query(question, filter);
        const steps = await planSteps(built);
        const started = performance.now();
        const { results } = await env.DB.prepare(built.sql)
          .bind(...built.params)
          .all();
        console.log(
          `--- ${stage}: ${name} (${JSON.stringify(question)})\n${built.params[0]}\n${steps.join("\n")}\n${results.length} rows in ${Math.round(performance.now() - started)} ms`,
        );
        expectIndexed(`${stage}: ${name}`, steps);
        expect(results.length).toBeGreaterThan(0);
      });
    }

    it(`${stage}: a word's expansion reads a range of the index's words, not all of them`, async () => {
      const steps = await planSteps(new SQLiteAsyncDialect().sqlToQuery(termsBeginning("refu", 0)));
      console.log(steps.join("\n"));
      // fts5vocab answers a term range itself (a non-zero index number): no walk over every word.
      expect(steps.join("\n")).toMatch(/SCAN search_terms VIRTUAL TABLE INDEX [1-9]\d*:/);
    });
  };

  checkAll("as migrated");
  it("gathers statistics", async () => {
    await env.DB.prepare("ANALYZE").run();
  });
  checkAll("analyzed");
});
