// The inbox that `npm run bench` lists: the same seeded tickets in Parley's D1 and the floor's.
import { runWrangler } from "../scripts/local-server.mjs";

/**
 * 100,000 visible tickets (each with its own profile, as the one-open-ticket-per-profile index
 * needs): 60% open, 15% snoozed, 25% closed; half unassigned; 10% sms (of every status); last activity spread over
 * ~43 days, all older than the benchmark's own conversations.
 *
 * With the facts reports read (migration 0010), as a ticket's object records them: each ticket
 * started (its customer's first message) at a time spread evenly over the past 365 days, fewer
 * at night (UTC, two in three moved 14 hours earlier); 90% have a first response (90% of those within 2–17 minutes, the rest within
 * 1–9 hours) from one of 7 agents `agt_seed0..6` (no agents rows: reports name them from a LEFT
 * JOIN); every closed one a resolution (5 minutes to ~3 days after the start) and 30% of them a
 * rating (mostly 4 and 5); and a ticket_replies row per agent who replied (1–6 replies, a second
 * agent in 20% of them).
 */
export function seedSql(count) {
  const base = Math.floor(Date.now() / 1000) - 3600;
  const ts = (expr) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${expr}, 'unixepoch')`;
  const numbers = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})`;
  // A deterministic pseudo-random integer in [0, m) per ticket: the top 16 bits of a Weyl
  // sequence (i × an odd constant, mod 2^32), a different constant per `salt` so that they do not correlate.
  const hash = (salt, m) => `(i * ${(Math.imul(0x9e3779b1, 2 * salt + 1) | 1) >>> 0} % 4294967296 / 65536 % ${m})`;
  // Evenly over the year (365 days / count apart, jittered); a night start (00–06 UTC) moves two times in three to the day before, 14 hours earlier.
  const step = Math.floor((365 * 86400) / count);
  const spread = `(${base} - i * ${step} - ${hash(1, step)})`;
  const facts = `facts AS (SELECT i,
    ${spread} - CASE WHEN ${spread} % 86400 < 21600 AND i % 3 <> 0 THEN 14 * 3600 ELSE 0 END AS started,
    i % 20 >= 15 AS closed,
    ${hash(16, 10)} = 0 AS sms,
    CASE WHEN ${hash(2, 10)} <> 0 THEN CASE WHEN ${hash(3, 10)} = 0 THEN 3600 + ${hash(4, 28800)} ELSE 120 + ${hash(5, 900)} END END AS response,
    'agt_seed' || ${hash(6, 7)} AS responder,
    'agt_seed' || ((${hash(6, 7)} + 1 + ${hash(7, 6)}) % 7) AS second,
    ${hash(8, 5)} = 0 AS two, 1 + ${hash(9, 6)} AS replies, 1 + ${hash(10, 3)} AS second_replies,
    300 + ${hash(11, 30)} * ${hash(12, 9000)} AS resolve,
    CASE WHEN ${hash(13, 10)} < 3 THEN CASE ${hash(14, 20)} WHEN 0 THEN 1 WHEN 1 THEN 2 WHEN 2 THEN 3 WHEN 3 THEN 3 ELSE 4 + ${hash(15, 2)} END END AS score
    FROM n)`;
  return `INSERT INTO profiles (id, external_id, email, phone, name, created_at, updated_at)
${numbers}
SELECT printf('prf_seed%06d', i), printf('seed-%06d', i), printf('shopper%06d@example.com', i), NULL, printf('Shopper %d', i),
  ${ts(base - 9_000_000)}, ${ts(base - 9_000_000)} FROM n;
INSERT INTO tickets (id, channel, status, snooze_until, assignee_id, profile_id, customer_name, preview, unread, visible, last_message_at, created_at, closed_at, version,
  started_at, first_response_s, first_responder_id, resolution_s, agent_replies, rating_score)
${numbers}, ${facts}
SELECT printf('tkt_seed%06d', i),
  CASE WHEN sms THEN 'sms' ELSE 'webchat' END,
  CASE WHEN i % 20 < 12 THEN 'open' WHEN i % 20 < 15 THEN 'snoozed' ELSE 'closed' END,
  CASE WHEN i % 20 BETWEEN 12 AND 14 THEN ${ts(base + 3 * 86400)} END,
  CASE WHEN i % 2 = 0 THEN NULL ELSE 'agt_seed' || (i % 7) END,
  printf('prf_seed%06d', i), printf('Shopper %d', i), 'Hi, where is my order? It was supposed to arrive last week.', i % 3 = 0, 1,
  ${ts("" + base + " - i * 37")}, ${ts("" + base + " - i * 37 - 600")},
  CASE WHEN closed THEN ${ts("" + base + " - i * 37 + 60")} END, 3,
  started, response, CASE WHEN response IS NOT NULL THEN responder END,
  CASE WHEN closed THEN coalesce(response, 0) + resolve END,
  CASE WHEN response IS NULL THEN '{}' WHEN two THEN json_object(responder, replies, second, second_replies) ELSE json_object(responder, replies) END,
  CASE WHEN closed THEN score END
FROM facts;
INSERT INTO ticket_replies (ticket_id, agent_id, replies, started_at)
SELECT t.id, r.key, r.value, t.started_at FROM tickets t, json_each(t.agent_replies) r WHERE t.id LIKE 'tkt_seed%';
`;
}

/** Migrations and the seed, into a local D1 state before its server opens it. */
export async function prepareState(configArgs, stateDir, sqlFile, logFile) {
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", ...configArgs, "--persist-to", stateDir], logFile);
  await runWrangler(["d1", "execute", "DB", "--local", ...configArgs, "--persist-to", stateDir, "--file", sqlFile, "-y"], logFile);
}
