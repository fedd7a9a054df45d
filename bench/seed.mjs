// The inbox that `npm run bench` lists: the same seeded tickets in Parley's D1 and the floor's.
import { runWrangler } from "../scripts/local-server.mjs";

/**
 * 100,000 visible tickets (each with its own profile, as the one-open-ticket-per-profile index
 * needs): 60% open, 15% snoozed, 25% closed; half unassigned; 10% sms; last activity spread over
 * ~43 days, all older than the benchmark's own conversations.
 */
export function seedSql(count) {
  const base = Math.floor(Date.now() / 1000) - 3600;
  const ts = (expr) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${expr}, 'unixepoch')`;
  const numbers = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})`;
  return `INSERT INTO profiles (id, external_id, email, phone, name, created_at, updated_at)
${numbers}
SELECT printf('prf_seed%06d', i), printf('seed-%06d', i), printf('shopper%06d@example.com', i), NULL, printf('Shopper %d', i),
  ${ts(base - 9_000_000)}, ${ts(base - 9_000_000)} FROM n;
INSERT INTO tickets (id, channel, status, snooze_until, assignee_id, profile_id, customer_name, preview, unread, visible, last_message_at, created_at, closed_at, version)
${numbers}
SELECT printf('tkt_seed%06d', i),
  CASE WHEN i % 10 = 0 THEN 'sms' ELSE 'webchat' END,
  CASE WHEN i % 20 < 12 THEN 'open' WHEN i % 20 < 15 THEN 'snoozed' ELSE 'closed' END,
  CASE WHEN i % 20 BETWEEN 12 AND 14 THEN ${ts(base + 3 * 86400)} END,
  CASE WHEN i % 2 = 0 THEN NULL ELSE 'agt_seed' || (i % 7) END,
  printf('prf_seed%06d', i), printf('Shopper %d', i), 'Hi, where is my order? It was supposed to arrive last week.', i % 3 = 0, 1,
  ${ts("" + base + " - i * 37")}, ${ts("" + base + " - i * 37 - 600")},
  CASE WHEN i % 20 >= 15 THEN ${ts("" + base + " - i * 37 + 60")} END, 3
FROM n;
`;
}

/** Migrations and the seed, into a local D1 state before its server opens it. */
export async function prepareState(configArgs, stateDir, sqlFile, logFile) {
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", ...configArgs, "--persist-to", stateDir], logFile);
  await runWrangler(["d1", "execute", "DB", "--local", ...configArgs, "--persist-to", stateDir, "--file", sqlFile, "-y"], logFile);
}
