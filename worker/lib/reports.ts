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

const HOUR_S = 3600;
const DAY_MS = 86_400_000;

/** The zone's offset from UTC at `epochMs`, in seconds. */
export function zoneOffsetSeconds(timeZone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(epochMs);
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
 * (the last, to the end). Changes are found hour by hour and pinned to the second.
 */
export function offsetSpans(timeZone: string, start: number, end: number): OffsetSpan[] {
  const spans: OffsetSpan[] = [];
  let offset = zoneOffsetSeconds(timeZone, start * 1000);
  for (let at = start + HOUR_S; at < end + HOUR_S; at += HOUR_S) {
    const next = zoneOffsetSeconds(timeZone, Math.min(at, end) * 1000);
    if (next === offset) continue;
    let low = at - HOUR_S;
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
  return sql`conversations AS MATERIALIZED (
    SELECT ${tickets.id} AS id, ${localTime(sql`${tickets.startedAt}`, range.spans)} AS local, ${tickets.status} AS status,
      ${tickets.firstResponseSeconds} AS response, ${tickets.resolutionSeconds} AS resolution,
      ${tickets.ratingScore} AS score, ${tickets.firstResponderId} AS responder
    FROM ${tickets} INDEXED BY tickets_reports_idx WHERE ${sql.join(conditions, sql` AND `)}
  )`;
}

/**
 * The median (the middle value, or the mean of the two middle ones) and the p90 (the smallest
 * value at or above 90% of them) of `column` among `conversations`, per `group` (an expression of
 * them, or a constant for the whole range).
 */
function percentiles(column: string, group: SQL): SQL {
  return sql`SELECT grp, avg(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN v END) AS median, max(CASE WHEN rn = (9 * n + 9) / 10 THEN v END) AS p90
    FROM (SELECT ${group} AS grp, ${sql.raw(column)} AS v,
      row_number() OVER (PARTITION BY ${group} ORDER BY ${sql.raw(column)}) AS rn, count(*) OVER (PARTITION BY ${group}) AS n
      FROM conversations WHERE ${sql.raw(column)} IS NOT NULL)
    GROUP BY grp`;
}

const localDay = sql`date(local, 'unixepoch')`;

type TotalsRow = { conversations: number; closed: number | null; responses: number; average: number | null; satisfied: number | null };
type PercentileRow = { grp: string | number; median: number | null; p90: number | null };
type DayRow = { day: string; conversations: number; average: number | null };
type AgentRow = { agent_id: string; name: string | null; conversations: number; replies: number; average: number | null };
type HourRow = { weekday: number; hour: number; n: number };

const rounded = (value: number | null, places = 0) => (value === null ? null : Math.round(value * 10 ** places) / 10 ** places);

/**
 * The report's statements, in the order buildReport runs them in one batch (each is the range's
 * conversations and a query of them). Exported for the query-plan test.
 */
export function reportStatements(range: ReportRange, filter: Filter) {
  const base = inRange(range, filter);
  const statement = (body: SQL) => sql`WITH ${base} ${body}`;
  return {
    totals: statement(sql`SELECT count(*) AS conversations, sum(status = 'closed') AS closed, count(score) AS responses,
      avg(score) AS average, avg(CASE WHEN score IS NOT NULL THEN score >= 4 END) AS satisfied FROM conversations`),
    responses: statement(percentiles("response", sql`0`)),
    resolutions: statement(percentiles("resolution", sql`0`)),
    days: statement(sql`SELECT ${localDay} AS day, count(*) AS conversations, avg(score) AS average FROM conversations GROUP BY day`),
    dayResponses: statement(percentiles("response", localDay)),
    agentRows: statement(sql`SELECT r.agent_id, a.name, count(*) AS conversations, sum(r.replies) AS replies, avg(c.score) AS average
      FROM conversations c JOIN ${ticketReplies} r ON r.ticket_id = c.id LEFT JOIN ${agents} a ON a.id = r.agent_id
      GROUP BY r.agent_id ORDER BY replies DESC, r.agent_id`),
    agentResponses: statement(percentiles("response", sql`responder`)),
    hours: statement(sql`SELECT CAST(strftime('%w', local, 'unixepoch') AS INTEGER) AS weekday, CAST(strftime('%H', local, 'unixepoch') AS INTEGER) AS hour,
      count(*) AS n FROM conversations GROUP BY weekday, hour`),
  };
}

const dialect = new SQLiteAsyncDialect();

/**
 * The report, from one D1 batch of its statements. (Drizzle's batch does not take raw `all`
 * queries on D1: the statements go to D1 as drizzle renders them.)
 */
export async function buildReport(database: D1Database, query: ReportQueryT & { timezone: string }): Promise<ReportT> {
  const range = reportRange(query.from, query.to, query.timezone);
  const s = reportStatements(range, query);
  const ordered = [s.totals, s.responses, s.resolutions, s.days, s.dayResponses, s.agentRows, s.agentResponses, s.hours];
  const results = await database.batch(
    ordered.map((statement) => {
      const { sql: text, params } = dialect.sqlToQuery(statement);
      return database.prepare(text).bind(...params);
    }),
  );
  const [totals, responses, resolutions, days, dayResponses, agentRows, agentResponses, hours] = results.map((result) => result.results) as [
    TotalsRow[],
    PercentileRow[],
    PercentileRow[],
    DayRow[],
    PercentileRow[],
    AgentRow[],
    PercentileRow[],
    HourRow[],
  ];
  const total = totals[0]!;
  const byGroup = (rows: PercentileRow[]) => new Map(rows.map((row) => [String(row.grp), row]));
  const dayMedians = byGroup(dayResponses);
  const dayCounts = new Map(days.map((row) => [row.day, row]));
  const agentMedians = byGroup(agentResponses);
  const byHour = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const row of hours) byHour[row.weekday]![row.hour] = row.n;
  return {
    range: { from: query.from, to: query.to, timezone: query.timezone },
    totals: {
      conversations: total.conversations,
      closed: total.closed ?? 0,
      firstResponse: { median: rounded(responses[0]?.median ?? null), p90: responses[0]?.p90 ?? null },
      resolution: { median: rounded(resolutions[0]?.median ?? null), p90: resolutions[0]?.p90 ?? null },
      csat: { responses: total.responses, average: rounded(total.average, 2), satisfied: rounded(total.satisfied, 4) },
    },
    byDay: range.days.map((date) => ({
      date,
      conversations: dayCounts.get(date)?.conversations ?? 0,
      firstResponseMedian: rounded(dayMedians.get(date)?.median ?? null),
      csatAverage: rounded(dayCounts.get(date)?.average ?? null, 2),
    })),
    byAgent: agentRows.map((row) => ({
      agentId: row.agent_id,
      name: row.name,
      conversations: row.conversations,
      replies: row.replies,
      firstResponseMedian: rounded(agentMedians.get(row.agent_id)?.median ?? null),
      csatAverage: rounded(row.average, 2),
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
