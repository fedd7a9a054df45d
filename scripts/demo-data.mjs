// DEMO DATA, FOR LOCAL DEVELOPMENT ONLY: the SQL that `npm start` (scripts/start.mjs, through
// startParley's `demoData` option) runs with `wrangler d1 execute DB --local`, which only ever
// writes the local state on this machine, so that the Reports page is not empty on a first look.
// Nothing else runs it: not the end-to-end tests, not the benchmarks, never a deploy.
//
// Four weeks of closed conversations with the facts reports read (migration 0010), ratings (a
// few with comments) and replies, from a few demo agents, for demo shoppers. Every row says what
// it is: ids start `tkt_demo_`, `prf_demo_`, `agt_demo_`; agents are named "Demo: …", shoppers
// "Demo shopper N", their emails end @demo.parley.invalid, and each conversation's preview starts
// "Demo conversation:". The tickets are not visible (`visible = 0`): they have no conversation
// object behind them and could not be opened, so the inbox never lists them; only reports count them.
//
// Running it again adds nothing: the same ids, upserted (and the demo tickets' replies written
// anew), so the four weeks always end today. The rest (who, how fast, which rating) comes from a
// fixed seed, so only the dates change.

const TICKETS = 150;
const SHOPPERS = 40;
const DAYS = 28;
const DEMO_EMAIL_DOMAIN = "demo.parley.invalid";

// The tickets' columns, in the order of each row's values below.
const TICKET_COLUMNS = [
  "id",
  "channel",
  "status",
  "assignee_id",
  "profile_id",
  "customer_name",
  "preview",
  "unread",
  "visible",
  "last_message_at",
  "created_at",
  "closed_at",
  "version",
  "started_at",
  "first_response_s",
  "first_responder_id",
  "resolution_s",
  "agent_replies",
  "rating_score",
  "rating_comment",
  "rated_at",
];

/** The demo agents: id, name. */
export const DEMO_AGENTS = [
  ["agt_demo_maja", "Demo: Maja"],
  ["agt_demo_leo", "Demo: Leo"],
  ["agt_demo_sara", "Demo: Sara"],
  ["agt_demo_omar", "Demo: Omar"],
];

const PREVIEWS = [
  "Where is my order? It should have arrived by now.",
  "Can I change the size of the shoes I ordered?",
  "The parcel arrived damaged, what do I do?",
  "Do you ship to Norway?",
  "I was charged twice for one order.",
  "How do I return a gift?",
  "Is the blue jacket coming back in stock?",
  "My discount code does not work at checkout.",
];

const COMMENTS = [
  "Quick and friendly, thanks!",
  "Sorted in minutes.",
  "Took a while to get an answer.",
  "Very helpful, the new size arrived the next day.",
  "I had to explain my problem twice.",
];

/** A small deterministic generator (mulberry32): the same demo data on every run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const quote = (value) =>
  value === null || value === undefined ? "NULL" : typeof value === "number" ? String(value) : `'${String(value).replaceAll("'", "''")}'`;
const iso = (epochSeconds) => new Date(epochSeconds * 1000).toISOString();
const pad = (n) => String(n).padStart(3, "0");

/** The demo data's SQL, its dates relative to `nowMs`. */
export function demoDataSql(nowMs = Date.now()) {
  const now = Math.floor(nowMs / 1000);
  const next = random(18);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const between = (low, high) => Math.floor(low + next() * (high - low));
  const created = iso(now - (DAYS + 7) * 86_400);

  const agentRows = DEMO_AGENTS.map(([id, name]) => {
    const email = `${id.slice("agt_demo_".length)}@${DEMO_EMAIL_DOMAIN}`;
    // No password: the stored hash is empty, and a password's PBKDF2 hash never is, so nobody can sign in as a demo agent.
    return `SELECT ${quote(id)}, ${quote(email)}, ${quote(name)}, 'agent', '', '${"00".repeat(16)}', 100000, ${quote(created)}`;
  });

  const profileRows = [];
  for (let n = 1; n <= SHOPPERS; n++) {
    profileRows.push(
      `(${quote(`prf_demo_${pad(n)}`)}, ${quote(`demo-shopper-${n}@${DEMO_EMAIL_DOMAIN}`)}, ${quote(`Demo shopper ${n}`)}, ${quote(created)}, ${quote(created)})`,
    );
  }

  const ticketRows = [];
  const replyRows = [];
  for (let n = 1; n <= TICKETS; n++) {
    const id = `tkt_demo_${pad(n)}`;
    const shopper = 1 + ((n * 7) % SHOPPERS);
    const channel = next() < 0.15 ? "sms" : "webchat";
    // Mostly on weekdays and in the day (UTC), more of them recently.
    const daysAgo = Math.floor(DAYS * next() ** 1.3);
    let started = now - daysAgo * 86_400;
    started = started - (started % 86_400) + between(7, 20) * 3600 + between(0, 3600);
    if (new Date(started * 1000).getUTCDay() % 6 === 0 && next() < 0.6) started -= 2 * 86_400;
    // A slow answer in one of eight; the rest within a quarter of an hour.
    const response = next() < 0.125 ? between(1800, 4 * 3600) : between(30, 900);
    const responder = pick(DEMO_AGENTS)[0];
    const replies = { [responder]: between(1, 5) };
    if (next() < 0.2) {
      const second = pick(DEMO_AGENTS.filter(([agent]) => agent !== responder))[0];
      replies[second] = between(1, 3);
    }
    const resolution = response + between(120, next() < 0.2 ? 2 * 86_400 : 3 * 3600);
    // Every conversation is over by now: one that would still be going moves back a day.
    while (started + resolution > now - 60) started -= 86_400;
    const closedAt = started + resolution;
    const rated = next() < 0.45;
    const score = rated ? pick([5, 5, 5, 5, 4, 4, 4, 3, 2, 1]) : null;
    const comment = rated && next() < 0.25 ? `${pick(COMMENTS)} (demo)` : null;
    ticketRows.push(
      `(${[
        id,
        channel,
        "closed",
        responder,
        `prf_demo_${pad(shopper)}`,
        `Demo shopper ${shopper}`,
        `Demo conversation: ${pick(PREVIEWS)}`,
        0,
        0,
        iso(closedAt),
        iso(started),
        iso(closedAt),
        1,
        started,
        response,
        responder,
        resolution,
        JSON.stringify(replies),
        score,
        comment,
        rated ? iso(closedAt + between(60, 3600)) : null,
      ]
        .map(quote)
        .join(", ")})`,
    );
    for (const [agent, count] of Object.entries(replies)) replyRows.push(`(${[id, agent, count, started].map(quote).join(", ")})`);
  }

  return `-- Parley demo data for local development (scripts/demo-data.mjs); never run against a deployed database.
-- Demo agents only once a real agent exists: while there is none, the first sign-in creates the
-- admin from ADMIN_EMAIL / ADMIN_PASSWORD (worker/lib/agents.ts ensureFirstAdmin), which a demo
-- agent would prevent. Until then the reports show the demo agents' ids without names.
INSERT OR IGNORE INTO agents (id, email, name, role, password_hash, password_salt, password_iterations, created_at)
SELECT * FROM (${agentRows.join("\nUNION ALL ")})
WHERE EXISTS (SELECT 1 FROM agents WHERE id NOT LIKE 'agt_demo_%');
INSERT OR IGNORE INTO profiles (id, email, name, created_at, updated_at) VALUES
${profileRows.join(",\n")};
INSERT INTO tickets (${TICKET_COLUMNS.join(", ")}) VALUES
${ticketRows.join(",\n")}
ON CONFLICT (id) DO UPDATE SET ${TICKET_COLUMNS.slice(1)
    .map((column) => `${column} = excluded.${column}`)
    .join(", ")};
DELETE FROM ticket_replies WHERE substr(ticket_id, 1, 9) = 'tkt_demo_';
INSERT INTO ticket_replies (ticket_id, agent_id, replies, started_at) VALUES
${replyRows.join(",\n")};
`;
}
