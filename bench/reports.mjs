// d. of `npm run bench`: GET /api/reports over the seeded tickets' report facts (bench/seed.mjs),
// with the agent cookie, one request at a time. Parley only: the floor has no reports, so there is
// no ratio, only the issue's absolute target (issue 18: a 100,000-ticket range under 300 ms p99).
import { percentile } from "./local-parley.mjs";
import { timedGet } from "./workloads.mjs";

export const REPORTS = {
  reps: Number(process.env.BENCH_REPORTS_REPS ?? 50),
  warmup: 3,
  // A slow range stops early (after at least minReps), so that the section stays within ~30 s.
  budgetMs: 6000,
  minReps: 10,
  p99Ms: 300,
  // Days are counted in a zone with daylight saving, so that the longer ranges take the
  // report's offset CASE (worker/lib/reports.ts) as a store outside UTC does.
  timezone: "Europe/Stockholm",
  agentId: "agt_seed3",
};

const DAY_MS = 86_400_000;
const day = (offsetDays) => new Date(Date.now() - offsetDays * DAY_MS).toISOString().slice(0, 10);

/** The ranges, each ending today: label → query. */
export function reportVariants() {
  const range = (days) => `from=${day(days - 1)}&to=${day(0)}&timezone=${encodeURIComponent(REPORTS.timezone)}`;
  return {
    "7 days": `/api/reports?${range(7)}`,
    "90 days": `/api/reports?${range(90)}`,
    "90 days, agentId": `/api/reports?${range(90)}&agentId=${REPORTS.agentId}`,
    "90 days, channel=sms": `/api/reports?${range(90)}&channel=sms`,
    // The longest range a report takes (366 days): every seeded ticket.
    "366 days (all)": `/api/reports?${range(366)}`,
  };
}

/** Each range's request times (ms, to the last body byte) and what its first answer counted. */
export async function reportsRun(target, log = () => {}) {
  const out = {};
  for (const [label, path] of Object.entries(reportVariants())) {
    log(`d. reports ${label}`);
    const samples = [];
    let facts;
    let timedFrom;
    for (let i = 0; i < REPORTS.warmup + REPORTS.reps; i++) {
      if (i === REPORTS.warmup) timedFrom = performance.now();
      if (samples.length >= REPORTS.minReps && performance.now() - timedFrom > REPORTS.budgetMs) break;
      const { ms, text } = await timedGet(target, path);
      if (i === 0) {
        const report = JSON.parse(text);
        const agent = report.byAgent.find((a) => a.agentId === REPORTS.agentId);
        facts = {
          conversations: report.totals.conversations,
          closed: report.totals.closed,
          ratings: report.totals.csat.responses,
          agents: report.byAgent.length,
          agentConversations: agent?.conversations ?? 0,
          days: report.byDay.length,
        };
        if (facts.conversations === 0) throw new Error(`Parley GET ${path}: no conversations in range; the seed has no report facts?`);
      }
      if (i >= REPORTS.warmup) samples.push(ms);
    }
    out[label] = { path, samples, facts };
  }
  return out;
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));

/** The section's lines, and the missed targets (as report.mjs words them). */
export function reportsReport(results, seedTickets) {
  const lines = [
    "",
    `d. reports at ${seedTickets.toLocaleString("en")} tickets (Parley only: the floor has no reports, so no ratio)`,
    `   GET /api/reports with the agent cookie, ${REPORTS.reps}× each (or fewer, at least ${REPORTS.minReps}, once a range has taken ${REPORTS.budgetMs / 1000} s) after ${REPORTS.warmup} warm-up,`,
    `   sequential, ranges ending today, timezone=${REPORTS.timezone};`,
    "   time to the last body byte. In range: the conversations the report counted (the seed spreads its tickets' starts over 365 days)",
    "",
  ];
  const missed = [];
  const labelWidth = Math.max(...Object.keys(results).map((l) => l.length)) + 2;
  lines.push(`${"".padEnd(labelWidth)}${"n".padStart(4)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}  ${"target".padEnd(16)}${"".padEnd(8)}in range`);
  for (const [label, { samples, facts }] of Object.entries(results)) {
    const p99 = percentile(samples, 99);
    const ok = p99 < REPORTS.p99Ms;
    if (!ok) missed.push(`d. reports ${label} p99 < ${REPORTS.p99Ms} ms`);
    const inRange = [
      `${facts.conversations.toLocaleString("en")} conversations`,
      `${facts.closed.toLocaleString("en")} closed`,
      `${facts.ratings.toLocaleString("en")} ratings`,
      label.includes("agentId") ? `${REPORTS.agentId} in ${facts.agentConversations.toLocaleString("en")}` : `${facts.agents} agents`,
    ].join(", ");
    lines.push(
      `${label.padEnd(labelWidth)}${String(samples.length).padStart(4)}${fmt(percentile(samples, 50)).padStart(9)}${fmt(p99).padStart(9)}  ${`p99 < ${REPORTS.p99Ms} ms`.padEnd(16)}${(ok ? "met" : "MISSED").padEnd(8)}${inRange}`,
    );
  }
  lines.push(
    "",
    missed.length ? `Reports targets missed: ${missed.length} of ${Object.keys(results).length}` : `All ${Object.keys(results).length} reports targets met.`,
  );
  lines.push(...missed.map((m) => `  ${m}`), "");
  return lines.join("\n");
}
