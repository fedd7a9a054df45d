// Office hours in the store's time zone. The weekly schedule is a set of windows in
// minutes-of-the-week; a window whose close is before its open runs past midnight.
import type { SettingsT } from "../../contract";
import { formatterPerZone } from "./zoned-time";

type OfficeHoursT = SettingsT["officeHours"];
const WEEK = 7 * 24 * 60;
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

const weekClock = formatterPerZone({ weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

function minuteOfWeek(at: Date, timeZone: string): number {
  const parts = weekClock(timeZone).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return WEEKDAYS.indexOf(get("weekday")) * 1440 + Number(get("hour")) * 60 + Number(get("minute"));
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function windows(hours: OfficeHoursT): Array<{ start: number; end: number }> {
  return hours.weekly.map(({ day, open, close }) => {
    const start = day * 1440 + toMinutes(open);
    const length = (toMinutes(close) - toMinutes(open) + 1440) % 1440;
    return { start, end: start + length };
  });
}

/** Minutes since the most recent closing time (cyclic over the week), or null when open now. */
function minutesSinceClose(hours: OfficeHoursT, at: Date): number | null {
  const now = minuteOfWeek(at, hours.timezone);
  let since = Infinity;
  for (const { start, end } of windows(hours)) {
    const intoWindow = (now - start + WEEK) % WEEK;
    if (intoWindow < end - start) return null;
    since = Math.min(since, (now - (end % WEEK) + WEEK) % WEEK);
  }
  return since;
}

export function isOpenNow(hours: OfficeHoursT, at = new Date()): boolean {
  return !hours.enabled || minutesSinceClose(hours, at) === null;
}

/**
 * Names the closed period `at` falls in (its start, to the minute), so that one closed-hours
 * reply is sent per period. Null while the team is open or office hours are off.
 */
export function closedPeriodId(hours: OfficeHoursT, at = new Date()): string | null {
  if (!hours.enabled) return null;
  const since = minutesSinceClose(hours, at);
  if (since === null) return null;
  if (since === Infinity) return "always-closed";
  const start = new Date(at.getTime() - since * 60_000);
  start.setUTCSeconds(0, 0);
  return start.toISOString();
}
