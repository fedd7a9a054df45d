// Dates in the agent's own locale and time zone (the browser's), never the server's.
const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const shortDate = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const longDate = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const DAY_MS = 24 * 60 * 60 * 1000;

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** For list rows: the time today, the weekday this week, the date otherwise. */
export function activityTime(iso: string | null, now = new Date()): string {
  if (!iso) return "";
  const date = new Date(iso);
  const days = (startOfDay(now) - startOfDay(date)) / DAY_MS;
  if (days < 1) return time.format(date);
  if (days < 7) return weekday.format(date);
  return date.getFullYear() === now.getFullYear() ? shortDate.format(date) : longDate.format(date);
}

export const fullTime = (iso: string) => full.format(new Date(iso));
export const dayDate = (iso: string) => longDate.format(new Date(iso));
export const clockTime = (iso: string) => time.format(new Date(iso));

/** A value for <input type="datetime-local"> in local time. */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The first day of the agent's week (1 = Monday … 7 = Sunday), as their browser's locale counts
 * it; Monday where the browser cannot tell.
 */
function localeFirstDay(): number {
  const locale = new Intl.Locale(navigator.language) as Intl.Locale & { getWeekInfo?: () => { firstDay: number }; weekInfo?: { firstDay: number } };
  return (locale.getWeekInfo?.() ?? locale.weekInfo)?.firstDay ?? 1;
}

export type SnoozePreset = { id: "hour" | "tomorrow" | "week"; label: string; until: Date };

/**
 * The snooze presets, in the agent's local time: in an hour, tomorrow at 9:00, and the Monday of
 * the next week (weeks start on `firstDay`, 1 = Monday … 7 = Sunday) at 9:00. A preset at the same
 * time as one before it (on a Sunday, with weeks from Monday, next week starts tomorrow) is left out.
 */
export function snoozePresets(now = new Date(), firstDay = localeFirstDay()): SnoozePreset[] {
  const at9 = (daysAhead: number) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + daysAhead, 9, 0, 0, 0);
  const weekday = now.getDay() || 7;
  const daysToNextWeek = 7 - ((weekday - firstDay + 7) % 7);
  const presets = [
    { id: "hour" as const, label: "1 hour", until: new Date(now.getTime() + 60 * 60 * 1000) },
    { id: "tomorrow" as const, label: "Tomorrow 9:00", until: at9(1) },
    { id: "week" as const, label: "Next week", until: at9(daysToNextWeek + ((1 - firstDay + 7) % 7)) },
  ];
  return presets
    .filter((preset, i) => !presets.slice(0, i).some((earlier) => earlier.until.getTime() === preset.until.getTime()))
    .map((preset) => ({ ...preset, label: `${preset.label} · ${fullTime(preset.until.toISOString())}` }));
}
