// The Reports page's state in one place: the range and filters the agent picked, the report
// they give (GET /api/reports) and the CSV link for the same query. Days are the team's: the
// query leaves out `timezone`, so the server counts in the office hours' time zone, and every
// report says which zone that is (`range.timezone`), which "today" is then computed in.
import type { ChannelT, ReportT } from "../../../contract";
import { ApiError, requestJson } from "../../../client/api";
import { session } from "../lib/session.svelte";

export type Preset = "today" | "7d" | "30d" | "custom";
export type ChannelFilter = ChannelT | "";

export const PRESETS: ReadonlyArray<{ value: Preset; label: string }> = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "custom", label: "Custom" },
];

const DAYS: Record<Exclude<Preset, "custom">, number> = { today: 1, "7d": 7, "30d": 30 };

/** The calendar day (YYYY-MM-DD) it is at `now` in `timeZone` (the browser's own when not given). */
export function dayIn(timeZone: string | undefined, now = new Date()): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** `day` moved by `days` (calendar arithmetic, in UTC so that no clock change gets in the way). */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export class ReportsState {
  preset = $state<Preset>("7d");
  customFrom = $state("");
  customTo = $state("");
  channel = $state<ChannelFilter>("");
  agentId = $state("");
  /**
   * The team's time zone, once a report has told it. Until then "today" is the browser's: the
   * settings that hold the zone are for admins only, and the first report (for every agent)
   * names it; if the team's today is another day, the report is fetched again for it.
   */
  timezone = $state<string | undefined>(undefined);
  report = $state<ReportT | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  private request = 0;

  get today(): string {
    return dayIn(this.timezone);
  }

  /** The days asked for, or null while a custom range is incomplete or backwards. */
  get range(): { from: string; to: string } | null {
    if (this.preset !== "custom") return { from: addDays(this.today, 1 - DAYS[this.preset]), to: this.today };
    if (!this.customFrom || !this.customTo || this.customFrom > this.customTo) return null;
    return { from: this.customFrom, to: this.customTo };
  }

  /** The query string both the report and its CSV take, or null without a valid range. */
  get query(): string | null {
    const range = this.range;
    if (!range) return null;
    const params = new URLSearchParams(range);
    if (this.channel) params.set("channel", this.channel);
    if (this.agentId) params.set("agentId", this.agentId);
    return params.toString();
  }

  get csvUrl(): string | null {
    return this.query === null ? null : `/api/reports.csv?${this.query}`;
  }

  choose(preset: Preset): void {
    if (preset === "custom" && !this.customFrom) {
      // A custom range starts from the one shown.
      const range = this.range ?? { from: this.today, to: this.today };
      this.customFrom = range.from;
      this.customTo = range.to;
    }
    this.preset = preset;
  }

  /** Fetches the report for `query`; a newer call wins over one still under way. */
  async load(query: string): Promise<void> {
    const request = ++this.request;
    this.loading = true;
    this.error = null;
    try {
      const report = await requestJson<ReportT>(`/api/reports?${query}`);
      if (request !== this.request) return;
      this.report = report;
      // Learning the team's zone may move "today" (and so the query, which loads again).
      this.timezone = report.range.timezone;
    } catch (error) {
      if (request !== this.request) return;
      if (error instanceof ApiError && error.status === 401) session.expire();
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      if (request === this.request) this.loading = false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting, in the agent's locale.

const units = new Map<string, Intl.NumberFormat>();
function unit(name: string, digits: number): Intl.NumberFormat {
  const key = `${name}:${digits}`;
  let format = units.get(key);
  if (!format) units.set(key, (format = new Intl.NumberFormat(undefined, { style: "unit", unit: name, unitDisplay: "short", maximumFractionDigits: digits })));
  return format;
}

/** Seconds with a unit that reads well ("42 sec", "3.5 min", "2.1 hr", "1.5 days"); "—" for nothing to measure. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return unit("second", 0).format(Math.round(seconds));
  if (seconds < 3600) return unit("minute", 1).format(seconds / 60);
  if (seconds < 86_400) return unit("hour", 1).format(seconds / 3600);
  return unit("day", 1).format(seconds / 86_400);
}

const integer = new Intl.NumberFormat();
const rating = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });

export const formatCount = (value: number) => integer.format(value);
export const formatRating = (value: number | null) => (value === null ? "—" : rating.format(value));
export const formatShare = (value: number | null) => (value === null ? "—" : percent.format(value));

const shortDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const longDay = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

/** A report's day (YYYY-MM-DD, already the team's) as a label: "Nov 3", or with the weekday and year. */
export const formatDay = (day: string, long = false) => (long ? longDay : shortDay).format(new Date(`${day}T00:00:00Z`));

/** The weekdays' names, Sunday first (as the report's byHour rows are). */
export const WEEKDAYS = Array.from({ length: 7 }, (_, day) =>
  new Intl.DateTimeFormat(undefined, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2023, 0, 1 + day))),
);
export const WEEKDAYS_LONG = Array.from({ length: 7 }, (_, day) =>
  new Intl.DateTimeFormat(undefined, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2023, 0, 1 + day))),
);
