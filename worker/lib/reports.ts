// Reports (spec v2 "Reports"), computed in SQL over the facts each ticket's object recorded
// (worker/lib/tickets.ts ReportFacts): a range of start times is one walk of tickets_reports_idx,
// and medians and p90s come from window functions over it, never from rows carried to JavaScript.
//
// A conversation belongs to the day (and weekday and hour) of its customer's first message, in the
// report's time zone. Local time is computed in SQL as the start plus the zone's UTC offset, whose
// changes within the range (daylight saving) are found here and passed in as a CASE.
import { sql, type SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { ReportQueryT, ReportT } from "../../contract";
import { agents, ticketReplies, tickets } from "../db/schema";
import { formatterPerZone } from "./zoned-time";

const DAY_S = 86_400;
const DAY_MS = 86_400_000;

const wallClock = formatterPerZone({
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** The zone's offset from UTC at `epochMs`, in seconds. */
export function zoneOffsetSeconds(timeZone: string, epochMs: number): number {
  const parts = wallClock(timeZone).formatToParts(epochMs);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 1000);
}

/** When the local day `date` (YYYY-MM-DD) begins in the zone, in epoch seconds. */
export function localDayStart(date: string, timeZone: string): number {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  // The offset at the guess, then at the instant it gives: right across a change on that day too.
  const first = midnightUtc - zoneOffsetSeconds(timeZone, midnightUtc) * 1000;
  return Math.floor((midnightUtc - zoneOffsetSeconds(timeZone, first) * 1000) / 1000);
}

type OffsetSpan = { until: number | null; offset: number };

/**
 * The zone's offsets over [start, end) epoch seconds, as spans: each offset holds until `until`
 * (the last, to the end). Changes (at most one a day in any zone) are found day by day and pinned
 * to the second.
 */
export function offsetSpans(timeZone: string, start: number, end: number): OffsetSpan[] {
  const spans: OffsetSpan[] = [];
  let offset = zoneOffsetSeconds(timeZone, start * 1000);
  for (let at = start + DAY_S; at < end + DAY_S; at += DAY_S) {
    const next = zoneOffsetSeconds(timeZone, Math.min(at, end) * 1000);
    if (next === offset) continue;
    let low = at - DAY_S;
    let high = Math.min(at, end);
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (zoneOffsetSeconds(timeZone, middle * 1000) === offset) low = middle;
      else high = middle;
    }
    spans.push({ until: high, offset });
    offset = next;
  }
  spans.push({ until: null, offset });
  return spans;
}

/** The local time (epoch seconds as if the zone were UTC) of a start time column. */
function localTime(column: SQL, spans: OffsetSpan[]): SQL {
  if (spans.length === 1) return sql`(${column} + ${spans[0]!.offset})`;
  const cases = spans.slice(0, -1).map((span) => sql`WHEN ${column} < ${span.until} THEN ${span.offset}`);
  return sql`(${column} + CASE ${sql.join(cases, sql` `)} ELSE ${spans.at(-1)!.offset} END)`;
}

export type ReportRange = { start: number; end: number; days: string[]; spans: OffsetSpan[] };

/** The report's days, and the instants they span, in its time zone. */
export function reportRange(from: string, to: string, timeZone: string): ReportRange {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
  const start = localDayStart(from, timeZone);
  const end = localDayStart(new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10), timeZone);
  return { start, end, days, spans: offsetSpans(timeZone, start, end) };
}

type Filter = Pick<ReportQueryT, "channel" | "agentId">;

/**
 * The range's conversations with what reports read of them: one walk of tickets_reports_idx
 * (an agent's conversations are a walk of theirs in ticket_replies).
 */
function inRange(range: ReportRange, filter: Filter): SQL {
  const conditions = [sql`${tickets.startedAt} >= ${range.start}`, sql`${tickets.startedAt} < ${range.end}`];
  if (filter.channel) conditions.push(sql`${tickets.channel} = ${filter.channel}`);
  if (filter.agentId) {
    conditions.push(sql`${tickets.id} IN (SELECT ${ticketReplies.ticketId} FROM ${ticketReplies}
      WHERE ${ticketReplies.agentId} = ${filter.agentId} AND ${ticketReplies.startedAt} >= ${range.start} AND ${ticketReplies.startedAt} < ${range.end})`);
  }
  // The local day, weekday and hour are worked out once per conversation, here: SQLite's date
  // functions are the dearest part of a row.
  return sql`conversations AS MATERIALIZED (
    SELECT id, date(local, 'unixepoch') AS day, CAST(strftime('%w', local, 'unixepoch') AS INTEGER) AS weekday,
      CAST(strftime('%H', local, 'unixepoch') AS INTEGER) AS hour, status, response, resolution, score, responder
    FROM (SELECT ${tickets.id} AS id, ${localTime(sql`${tickets.startedAt}`, range.spans)} AS local, ${tickets.status} AS status,
      ${tickets.firstResponseSeconds} AS response, ${tickets.resolutionSeconds} AS resolution,
      ${tickets.ratingScore} AS score, ${tickets.firstResponderId} AS responder
    FROM ${tickets} INDEXED BY tickets_reports_idx WHERE ${sql.join(conditions, sql` AND `)})
  )`;
}

/**
 * The median (the middle value, or the mean of the two middle ones) and the p90 (the smallest
 * value at or above 90% of them) of `column` among `conversations`, per `group` (an expression of
 * them, or a constant for the whole range). The row number and the count share one window, so
 * the values are sorted once.
 */
function percentiles(section: string, column: string, group: SQL): SQL {
  return sql`SELECT ${section} AS section, grp AS k, NULL AS name,
      avg(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN v END) AS a, max(CASE WHEN rn = (9 * n + 9) / 10 THEN v END) AS b, NULL AS c, NULL AS d, NULL AS e
    FROM (SELECT grp, v, row_number() OVER w AS rn, count(*) OVER w AS n
      FROM (SELECT ${group} AS grp, ${sql.raw(column)} AS v FROM conversations WHERE ${sql.raw(column)} IS NOT NULL)
      WINDOW w AS (PARTITION BY grp ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
    GROUP BY grp`;
}

/** One row of the report's one statement: a section and its figures (see reportStatement). */
type SectionRow = {
  section: string;
  k: string | number | null;
  name: string | null;
  a: number | null;
  b: number | null;
  c: number | null;
  d: number | null;
  e: number | null;
};

const rounded = (value: number | null, places = 0) => (value === null ? null : Math.round(value * 10 ** places) / 10 ** places);

/**
 * The report as one statement: the range's conversations are read once (one walk of the index,
 * materialized), and each section of the report is a part of a UNION ALL over them, its rows
 * tagged with the section's name. Exported for the query-plan test.
 */
export function reportStatement(range: ReportRange, filter: Filter): SQL {
  // D1 allows few terms in one compound SELECT: the sections go in two of four. CROSS JOIN keeps
  // the range's conversations the outer loop (their replies by key), not a walk of every reply.
  return sql`WITH ${inRange(range, filter)}
    SELECT * FROM (
      SELECT 'totals' AS section, NULL AS k, NULL AS name, count(*) AS a, sum(status = 'closed') AS b, count(score) AS c,
        avg(score) AS d, avg(CASE WHEN score IS NOT NULL THEN score >= 4 END) AS e FROM conversations
      UNION ALL ${percentiles("response", "response", sql`0`)}
      UNION ALL ${percentiles("resolution", "resolution", sql`0`)}
      UNION ALL SELECT 'hour', NULL, NULL, weekday, hour, count(*), NULL, NULL
        FROM conversations GROUP BY 4, 5)
    UNION ALL SELECT * FROM (
      SELECT 'day', day, NULL, count(*), NULL, NULL, avg(score), NULL FROM conversations GROUP BY 2
      UNION ALL ${percentiles("day_response", "response", sql`day`)}
      UNION ALL SELECT 'agent', r.agent_id, a.name, count(*), sum(r.replies), NULL, avg(c.score), NULL
        FROM conversations c CROSS JOIN ${ticketReplies} r ON r.ticket_id = c.id LEFT JOIN ${agents} a ON a.id = r.agent_id GROUP BY r.agent_id
      UNION ALL ${percentiles("agent_response", "response", sql`responder`)})`;
}

const dialect = new SQLiteAsyncDialect();

export async function buildReport(database: D1Database, query: ReportQueryT & { timezone: string }): Promise<ReportT> {
  const range = reportRange(query.from, query.to, query.timezone);
  const { sql: text, params } = dialect.sqlToQuery(reportStatement(range, query));
  const { results } = await database
    .prepare(text)
    .bind(...params)
    .all<SectionRow>();
  const rows = (section: string) => results.filter((row) => row.section === section);
  const byKey = (section: string) => new Map(rows(section).map((row) => [String(row.k), row]));
  const total = rows("totals")[0]!;
  const response = rows("response")[0];
  const resolution = rows("resolution")[0];
  const days = byKey("day");
  const dayMedians = byKey("day_response");
  const agentMedians = byKey("agent_response");
  const agentRows = rows("agent").sort((x, y) => y.b! - x.b! || String(x.k).localeCompare(String(y.k)));
  const byHour = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const row of rows("hour")) byHour[row.a!]![row.b!] = row.c!;
  return {
    range: { from: query.from, to: query.to, timezone: query.timezone },
    totals: {
      conversations: total.a!,
      closed: total.b ?? 0,
      firstResponse: { median: rounded(response?.a ?? null), p90: response?.b ?? null },
      resolution: { median: rounded(resolution?.a ?? null), p90: resolution?.b ?? null },
      csat: { responses: total.c!, average: rounded(total.d, 2), satisfied: rounded(total.e, 4) },
    },
    byDay: range.days.map((date) => ({
      date,
      conversations: days.get(date)?.a ?? 0,
      firstResponseMedian: rounded(dayMedians.get(date)?.a ?? null),
      csatAverage: rounded(days.get(date)?.d ?? null, 2),
    })),
    byAgent: agentRows.map((row) => ({
      agentId: String(row.k),
      name: row.name,
      conversations: row.a!,
      replies: row.b!,
      firstResponseMedian: rounded(agentMedians.get(String(row.k))?.a ?? null),
      csatAverage: rounded(row.d, 2),
    })),
    byHour,
  };
}

/** The report's days as CSV (GET /api/reports.csv): one row per day, durations in seconds. */
export function reportCsv(report: ReportT): string {
  const lines = ["date,conversations,first_response_median_seconds,csat_average"];
  for (const day of report.byDay) lines.push([day.date, day.conversations, day.firstResponseMedian ?? "", day.csatAverage ?? ""].join(","));
  return `${lines.join("\r\n")}\r\n`;
}
