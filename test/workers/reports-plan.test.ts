// The report's statements (worker/lib/reports.ts reportStatements, exactly as buildReport runs
// them) must read a range of start times as one SEARCH of the covering tickets_reports_idx (never
// a scan of tickets, nor a look-up of its rows), an agent's conversations as one SEARCH of
// ticket_replies_agent_idx, and the agents and replies they join by key: with and without
// filters, over a range with a daylight saving change, before and after ANALYZE.
import { env } from "cloudflare:workers";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { reportRange, reportStatement } from "../../worker/lib/reports";
import { planSteps, type Query } from "./query-plans";

const TICKETS = 20_000;
// The seed's last start: 2026-06-30T12:00:00Z; the tickets start every ~26 minutes before it, over a year.
const LAST_START = 1_782_820_800;
const STEP_S = Math.floor((365 * 86_400) / TICKETS);

type Filter = { channel?: "webchat" | "sms"; agentId?: string };

beforeAll(async () => {
  const numbers = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)`;
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO agents (id, email, name, role, password_hash, password_salt, password_iterations, created_at)
       ${numbers} SELECT 'agt_' || (i - 1), printf('a%d@example.com', i), printf('Agent %d', i), 'agent', '', '', 1, '2025-01-01T00:00:00.000Z' FROM n`,
    ).bind(7),
    env.DB.prepare(
      `INSERT INTO profiles (id, email, name, created_at, updated_at) ${numbers}
       SELECT printf('prf_%06d', i), printf('c%06d@example.com', i), printf('Customer %d', i), '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z' FROM n`,
    ).bind(TICKETS),
    // Facts as a ticket's object records them: most answered, the closed ones resolved, some rated.
    env.DB.prepare(
      `INSERT INTO tickets (id, channel, status, profile_id, visible, last_message_at, created_at, version,
         started_at, first_response_s, first_responder_id, resolution_s, agent_replies, rating_score) ${numbers}
       SELECT printf('tkt_%06d', i), CASE WHEN i % 10 = 0 THEN 'sms' ELSE 'webchat' END, CASE WHEN i % 4 = 0 THEN 'open' ELSE 'closed' END,
              printf('prf_%06d', i), 1, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 1,
              ?2 - i * ?3, CASE WHEN i % 9 <> 0 THEN 60 + i % 1800 END, CASE WHEN i % 9 <> 0 THEN 'agt_' || (i % 7) END,
              CASE WHEN i % 4 <> 0 THEN 3600 + i % 86400 END,
              CASE WHEN i % 9 <> 0 THEN json_object('agt_' || (i % 7), 1 + i % 5) ELSE '{}' END,
              CASE WHEN i % 4 <> 0 AND i % 3 = 0 THEN 1 + i % 5 END
       FROM n`,
    ).bind(TICKETS, LAST_START, STEP_S),
    env.DB.prepare(
      `INSERT INTO ticket_replies (ticket_id, agent_id, replies, started_at)
       SELECT t.id, r.key, r.value, t.started_at FROM tickets t, json_each(t.agent_replies) r`,
    ),
  ]);
}, 120_000);

/** The report's statement for a range (YYYY-MM-DD, both included) in a zone, as buildReport runs it. */
function statement(from: string, to: string, timezone: string, filter: Filter): Query {
  return new SQLiteAsyncDialect().sqlToQuery(reportStatement(reportRange(from, to, timezone), filter));
}

const reports: Array<[string, string, string, string, Filter]> = [
  ["7 days", "2026-06-24", "2026-06-30", "UTC", {}],
  ["90 days", "2026-04-02", "2026-06-30", "UTC", {}],
  ["90 days across a daylight saving change", "2026-02-01", "2026-05-01", "Europe/Stockholm", {}],
  ["90 days, sms", "2026-04-02", "2026-06-30", "UTC", { channel: "sms" }],
  ["90 days, one agent", "2026-04-02", "2026-06-30", "UTC", { agentId: "agt_3" }],
  ["a year, one agent's sms, across two changes", "2025-07-01", "2026-06-30", "America/New_York", { channel: "sms", agentId: "agt_3" }],
];

const RANGE = /SEARCH tickets USING COVERING INDEX tickets_reports_idx \(started_at>\? AND started_at<\?\)/;
const AGENT_RANGE = /SEARCH ticket_replies USING COVERING INDEX ticket_replies_agent_idx \(agent_id=\? AND started_at>\? AND started_at<\?\)/;

function expectIndexed(name: string, filter: Filter, steps: string[]) {
  const text = steps.join("\n");
  const label = `${name}\n${text}`;
  // The range's conversations: one walk of the covering index, never the table.
  expect(
    steps.filter((step) => RANGE.test(step)),
    label,
  ).toHaveLength(1);
  expect(text, label).not.toMatch(/SCAN tickets\b/);
  expect(text, label).not.toMatch(/SEARCH tickets USING (INDEX|INTEGER PRIMARY KEY)/);
  expect(text, label).not.toMatch(/tickets USING (COVERING )?INDEX (?!tickets_reports_idx)/);
  // The CTE is computed once; the statement's own query reads it.
  expect(text, label).toMatch(/MATERIALIZE conversations/);
  if (filter.agentId) {
    // The agent's conversations: one walk of their part of ticket_replies_agent_idx.
    expect(text, label).toMatch(AGENT_RANGE);
  }
  // By agent: each conversation's replies and their agent by key.
  expect(text, label).not.toMatch(/SCAN (ticket_replies|agents)\b/);
  {
    expect(text, label).toMatch(/SEARCH r USING (COVERING )?INDEX sqlite_autoindex_ticket_replies_1 \(ticket_id=\?\)/);
    expect(text, label).toMatch(/SEARCH a USING INDEX sqlite_autoindex_agents_1 \(id=\?\)/);
  }
}

describe(`the report query plans at ${TICKETS.toLocaleString("en")} tickets`, () => {
  const checkAll = (stage: string) => {
    for (const [name, from, to, timezone, filter] of reports) {
      it(`${stage}: ${name} reads the range from the covering index`, async () => {
        const query = statement(from, to, timezone, filter);
        expectIndexed(`${stage}: ${name}`, filter, await planSteps(query));
        const { results } = await env.DB.prepare(query.sql)
          .bind(...query.params)
          .all<{ section: string }>();
        expect(new Set(results.map((row) => row.section)), name).toEqual(
          new Set(["totals", "response", "resolution", "day", "day_response", "agent", "agent_response", "hour"]),
        );
      });
    }
  };

  checkAll("as migrated");
  it("gathers statistics", async () => {
    await env.DB.prepare("ANALYZE").run();
  });
  checkAll("analyzed");
});
