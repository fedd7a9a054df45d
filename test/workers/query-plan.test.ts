// The inbox list and counts at 100,000 tickets: the SQL the app runs (built by the same drizzle
// code) must walk an index on `tickets`, never scan the table, and never sort the list.
import { env } from "cloudflare:workers";
import { desc, type SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../../worker/db/client";
import { tickets } from "../../worker/db/schema";
import { COUNTS_SQL, labelledQuery, listConditions, type TicketFilter } from "../../worker/lib/tickets";
import { planRows, type PlanRow, type Query } from "./query-plans";

const TICKETS = 100_000;
const ME = "agt_me";
/** The page size the app asks for at its default limit (25 + 1 to know if there is a next page). */
const PAGE = 26;

/** The list query exactly as worker/lib/tickets.ts listTickets() builds it. */
function listQuery(filter: Omit<TicketFilter, "limit">): Query {
  return db(env.DB).select().from(tickets).where(listConditions(filter)).orderBy(desc(tickets.lastMessageAt), desc(tickets.id)).limit(PAGE).toSQL();
}

/** The labelled list's query exactly as listTickets() builds it with a label. */
function labelledListQuery(filter: Omit<TicketFilter, "limit"> & { label: string }): Query {
  return new SQLiteAsyncDialect().sqlToQuery(labelledQuery(filter, PAGE));
}

/** The counts query exactly as countTickets() sends it. */
function countsQuery(): Query {
  return new SQLiteAsyncDialect().sqlToQuery(COUNTS_SQL as SQL);
}

async function timeIt(query: Query, runs = 5): Promise<{ ms: number[]; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const { results } = await env.DB.prepare(query.sql)
      .bind(...query.params)
      .all();
    ms.push(Math.round((performance.now() - started) * 100) / 100);
    rows = results.length;
  }
  return { ms, rows };
}

const onTickets = (row: PlanRow) => /\b(SCAN|SEARCH) tickets\b/.test(row.detail);

function expectIndexed(name: string, rows: PlanRow[], { list }: { list: boolean }) {
  const text = rows.map((r) => r.detail).join("\n");
  const tableSteps = rows.filter(onTickets);
  expect(tableSteps.length, `${name}: no step reads tickets?\n${text}`).toBeGreaterThan(0);
  for (const step of tableSteps) {
    expect(step.detail, `${name}: reads tickets without an index\n${text}`).toMatch(/USING (COVERING )?INDEX tickets_/);
    expect(step.detail, `${name}: full scan of tickets\n${text}`).not.toMatch(/^SCAN tickets$/);
  }
  if (list)
    expect(text, `${name}: sorts instead of walking the index in order\n${text}`).not.toMatch(
      /USE TEMP B-TREE FOR (ORDER BY|RIGHT PART OF ORDER BY|LAST TERM OF ORDER BY)/,
    );
}

beforeAll(async () => {
  const fk = await env.DB.prepare("PRAGMA foreign_keys").first<{ foreign_keys: number }>();
  console.log(`PRAGMA foreign_keys = ${fk?.foreign_keys}`);
  const started = performance.now();
  // One profile per ticket: foreign keys are enforced, and the unique partial index allows one
  // open (or snoozed) ticket per profile and channel.
  await env.DB.prepare(
    `INSERT INTO profiles (id, external_id, email, name, created_at, updated_at)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     SELECT printf('prf_%06d', i), printf('ext_%06d', i), printf('c%06d@example.com', i), printf('Customer %d', i),
            '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'
     FROM n`,
  )
    .bind(TICKETS)
    .run();
  // Statuses: 20% open, 5% snoozed, 75% closed. Channels: 1 in 4 sms. Assignees: none, me, and
  // four others. 1 in 3 unread, 1 in 50 never written in (invisible). Activity spread over a year.
  // Each trait is drawn from a different digit mix so that they do not correlate.
  await env.DB.prepare(
    `INSERT INTO tickets (id, channel, status, snooze_until, assignee_id, profile_id, customer_name, preview, unread, visible,
                          last_message_at, created_at, closed_at, version)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),
     t AS (
       SELECT i,
              CASE WHEN i % 20 < 4 THEN 'open' WHEN i % 20 = 4 THEN 'snoozed' ELSE 'closed' END AS status,
              strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + ((i * 7919) % 31536000), 'unixepoch') AS at
       FROM n
     )
     SELECT printf('tkt_%06d', i),
            CASE WHEN (i / 3) % 4 = 0 THEN 'sms' ELSE 'webchat' END,
            status,
            CASE WHEN status = 'snoozed' THEN '2027-01-01T00:00:00.000Z' END,
            CASE (i / 7) % 6 WHEN 0 THEN NULL WHEN 1 THEN ?2 ELSE printf('agt_%d', (i / 7) % 6) END,
            printf('prf_%06d', i),
            printf('Customer %d', i),
            printf('message %d', i),
            CASE WHEN status <> 'closed' AND (i / 11) % 3 = 0 THEN 1 ELSE 0 END,
            CASE WHEN (i / 13) % 50 = 0 THEN 0 ELSE 1 END,
            CASE WHEN (i / 13) % 50 = 0 THEN NULL ELSE at END,
            at,
            CASE WHEN status = 'closed' THEN at END,
            3
     FROM t`,
  )
    .bind(TICKETS, ME)
    .run();
  // Labels: "vip" on 1 in 7 tickets, "rare" on 1 in 1,000 (its pages run dry: the worst walk).
  await env.DB.prepare(
    `INSERT INTO ticket_labels (ticket_id, label, visible, status, last_message_at)
     SELECT id, label, visible, status, last_message_at FROM tickets,
       (SELECT 'vip' AS label, 7 AS every UNION ALL SELECT 'rare', 1000)
     WHERE CAST(substr(id, 5) AS INTEGER) % every = 0`,
  ).run();
  await env.DB.prepare(
    `UPDATE tickets SET labels = (SELECT json_group_array(label) FROM ticket_labels WHERE ticket_id = tickets.id)
     WHERE id IN (SELECT ticket_id FROM ticket_labels)`,
  ).run();
  const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM tickets").first<{ n: number }>())!;
  console.log(`seeded ${n} tickets in ${Math.round(performance.now() - started)} ms`);
}, 120_000);

describe(`query plans at ${TICKETS.toLocaleString("en")} tickets`, () => {
  it("holds the seeded data", async () => {
    const { results } = await env.DB.prepare("SELECT status, channel, visible, count(*) AS n FROM tickets GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").all();
    console.log(JSON.stringify(results));
    expect((await env.DB.prepare("SELECT count(*) AS n FROM tickets").first<{ n: number }>())!.n).toBe(TICKETS);
    // Foreign keys hold: every ticket's profile exists.
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM tickets LEFT JOIN profiles p ON p.id = tickets.profile_id WHERE p.id IS NULL").first<{ n: number }>())!
        .n,
    ).toBe(0);
  });

  // A cursor from the middle of the open list, as the app would hand out.
  const cursor = { lastMessageAt: "2025-07-01T00:00:00.000Z", id: "tkt_050000" };

  const lists: Array<[string, Omit<TicketFilter, "limit">]> = [
    ["status=open", { status: "open" }],
    ["status=snoozed", { status: "snoozed" }],
    ["status=closed", { status: "closed" }],
    ["status=open&assignee=me", { status: "open", assigneeId: ME }],
    ["status=open&assignee=unassigned", { status: "open", assigneeId: null }],
    ["status=open&assignee=<id>", { status: "open", assigneeId: "agt_2" }],
    ["status=open&channel=sms", { status: "open", channel: "sms" }],
    ["status=open&channel=webchat", { status: "open", channel: "webchat" }],
    ["(no status)", {}],
    ["status=open&cursor", { status: "open", cursor }],
    ["status=open&assignee=me&cursor", { status: "open", assigneeId: ME, cursor }],
    ["status=open&assignee=unassigned&cursor", { status: "open", assigneeId: null, cursor }],
    ["status=open&channel=sms&cursor", { status: "open", channel: "sms", cursor }],
    ["(no status)&cursor", { cursor }],
    // Reachable through the API too (an "All" view filtered by assignee or channel).
    ["assignee=me", { assigneeId: ME }],
    ["assignee=unassigned", { assigneeId: null }],
    ["channel=sms", { channel: "sms" }],
    ["status=open&channel=sms&assignee=me", { status: "open", channel: "sms", assigneeId: ME }],
    // Worst case for the index walk: an agent with no tickets, without a status.
    ["assignee=<agent with no tickets>", { assigneeId: "agt_nobody" }],
  ];

  const labelledLists: Array<[string, Omit<TicketFilter, "limit"> & { label: string }]> = [
    ["label&status=open", { label: "vip", status: "open" }],
    ["label&status=snoozed", { label: "vip", status: "snoozed" }],
    ["label&status=closed", { label: "vip", status: "closed" }],
    ["label (no status)", { label: "vip" }],
    ["label&status=open&assignee=me", { label: "vip", status: "open", assigneeId: ME }],
    ["label&status=open&assignee=unassigned", { label: "vip", status: "open", assigneeId: null }],
    ["label&status=open&channel=webchat", { label: "vip", status: "open", channel: "webchat" }],
    ["label&status=open&cursor", { label: "vip", status: "open", cursor }],
    ["label (no status)&cursor", { label: "vip", cursor }],
    ["label&status=open&channel=sms&assignee=me&cursor", { label: "vip", status: "open", channel: "sms", assigneeId: ME, cursor }],
    // A rare label: the page runs out before 26, and the walk stays inside its ranges.
    ["rare label&status=open", { label: "rare", status: "open" }],
    ["rare label (no status)", { label: "rare" }],
  ];

  const checkAll = (stage: string) => {
    for (const [name, filter] of lists) {
      it(`${stage}: list ${name} walks an index in activity order`, async () => {
        const query = listQuery(filter);
        const rows = await planRows(query);
        const timing = await timeIt(query);
        console.log(
          `--- ${stage}: list ${name}\n${query.sql}\nparams ${JSON.stringify(query.params)}\n${rows.map((r) => r.detail).join("\n")}\n${timing.rows} rows, ms ${timing.ms.join(" / ")}`,
        );
        if (filter.assigneeId !== "agt_nobody") expect(timing.rows).toBe(PAGE);
        expectIndexed(`${stage}: list ${name}`, rows, { list: true });
        // A filter by assignee or channel is a range of the index, not a check on every row.
        if (filter.assigneeId !== undefined || filter.channel !== undefined) {
          expect(rows.map((r) => r.detail).join("\n"), `${stage}: list ${name} filters row by row`).toMatch(/(assignee_id|channel)=\?/);
        }
      });
    }

    for (const [name, filter] of labelledLists) {
      it(`${stage}: list ${name} walks ticket_labels' index in activity order`, async () => {
        const query = labelledListQuery(filter);
        const rows = await planRows(query);
        const timing = await timeIt(query);
        const text = rows.map((r) => r.detail).join("\n");
        console.log(
          `--- ${stage}: list ${name}\n${query.sql}\nparams ${JSON.stringify(query.params)}\n${text}\n${timing.rows} rows, ms ${timing.ms.join(" / ")}`,
        );
        if (filter.label === "vip") expect(timing.rows).toBe(PAGE);
        const labelSteps = rows.filter((row) => /\b(SCAN|SEARCH) ticket_labels\b/.test(row.detail));
        // One range of the index per status asked for.
        expect(labelSteps, `${name}: reads ticket_labels by its index\n${text}`).toHaveLength(filter.status ? 1 : 3);
        for (const step of labelSteps) {
          expect(step.detail, `${name}\n${text}`).toMatch(
            /^SEARCH ticket_labels USING COVERING INDEX ticket_labels_activity_idx \(label=\? AND visible=\? AND status=\?/,
          );
        }
        // Each ticket is read by its id, never by a walk of tickets.
        for (const step of rows.filter(onTickets))
          expect(step.detail, `${name}\n${text}`).toMatch(/^SEARCH tickets USING INDEX sqlite_autoindex_tickets_1 \(id=\?\)$/);
        expect(text, `${name}: sorts instead of walking the index in order\n${text}`).not.toMatch(/USE TEMP B-TREE/);
      });
    }

    it(`${stage}: counts read a covering index`, async () => {
      const query = countsQuery();
      const rows = await planRows(query);
      const timing = await timeIt(query);
      console.log(
        `--- ${stage}: counts\n${query.sql}\nparams ${JSON.stringify(query.params)}\n${rows.map((r) => r.detail).join("\n")}\n${timing.rows} rows, ms ${timing.ms.join(" / ")}`,
      );
      expectIndexed(`${stage}: counts`, rows, { list: false });
      // Covering: the counts come from the index alone, never from the table's rows.
      for (const step of rows.filter(onTickets)) expect(step.detail, `${stage}: counts`).toMatch(/USING COVERING INDEX tickets_counts_idx\b/);
    });
  };

  // As migrated (no statistics), which is what a D1 database has unless someone analyzes it.
  checkAll("as migrated");

  // With statistics (ANALYZE / PRAGMA optimize, which D1's docs recommend after adding indexes)
  // the planner may pick other indexes; the plans must stay good.
  it("gathers statistics", async () => {
    await env.DB.prepare("ANALYZE").run();
    const { results } = await env.DB.prepare("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'tickets' ORDER BY idx").all();
    console.log(`sqlite_stat1 for tickets: ${JSON.stringify(results)}`);
    expect(results.length).toBeGreaterThan(0);
  });
  checkAll("analyzed");
});
