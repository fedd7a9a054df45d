// The inbox's snooze presets (admin-ui/src/lib/time.ts), computed from a given moment in the
// agent's local time: a pure function, so every weekday and both common week starts are checked
// here rather than in a browser that can only be run on today.
import { describe, expect, it } from "vitest";
import { snoozePresets } from "../../admin-ui/src/lib/time";

const MONDAY = 1;
const SUNDAY = 7;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** 2026-12-07 is a Monday: the days of that week (and the Sunday after) at 20:30 local time. */
const evening = (offset: number) => new Date(2026, 11, 7 + offset, 20, 30);
const at9 = (date: Date, days: number) => new Date(date.getFullYear(), date.getMonth(), date.getDate() + days, 9, 0);
const untils = (now: Date, firstDay: number) => Object.fromEntries(snoozePresets(now, firstDay).map((preset) => [preset.id, preset.until.getTime()]));

describe("snooze presets", () => {
  for (let offset = 0; offset < 7; offset++) {
    const now = evening(offset);
    const day = WEEKDAYS[now.getDay()]!;

    it(`on a ${day} with weeks from Monday: an hour, tomorrow 9:00, and next week's Monday 9:00 unless that is tomorrow`, () => {
      const daysToNextMonday = now.getDay() === 0 ? 1 : 8 - now.getDay();
      const expected: Record<string, number> = { hour: now.getTime() + 3_600_000, tomorrow: at9(now, 1).getTime() };
      if (daysToNextMonday !== 1) expected.week = at9(now, daysToNextMonday).getTime();
      expect(untils(now, MONDAY)).toEqual(expected);
    });

    it(`on a ${day} with weeks from Sunday: next week's Monday is a day after the next Sunday`, () => {
      const daysToNextSunday = 7 - now.getDay();
      const expected: Record<string, number> = { hour: now.getTime() + 3_600_000, tomorrow: at9(now, 1).getTime() };
      if (daysToNextSunday + 1 !== 1) expected.week = at9(now, daysToNextSunday + 1).getTime();
      expect(untils(now, SUNDAY)).toEqual(expected);
    });
  }

  it("never offers two presets for the same time, and labels each with its time", () => {
    for (let offset = 0; offset < 14; offset++) {
      for (const firstDay of [MONDAY, SUNDAY]) {
        const presets = snoozePresets(evening(offset), firstDay);
        const times = presets.map((preset) => preset.until.getTime());
        expect(new Set(times).size).toBe(times.length);
        for (const preset of presets) expect(preset.label).toMatch(/ · \S/);
      }
    }
  });

  it("on a Sunday morning with weeks from Monday, 'Tomorrow 9:00' alone stands for Monday", () => {
    const sunday = new Date(2026, 11, 13, 8, 0);
    expect(sunday.getDay()).toBe(0);
    expect(snoozePresets(sunday, MONDAY).map((preset) => preset.id)).toEqual(["hour", "tomorrow"]);
  });
});
