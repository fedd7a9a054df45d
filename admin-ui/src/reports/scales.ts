// What the Reports charts share: axes in the page's colours and ranges that start at zero.
import type uPlot from "uplot";
import type { Colors } from "./Chart.svelte";

/** From zero to a little above the largest value, and to at least 1 (one conversation, one minute), so that points are not drawn on the frame. */
export const fromZero: uPlot.Range.Function = (_chart, _min, max) => [0, Math.max(1, (max ?? 0) * 1.15)];

/** Whole numbers only, for counts. */
export const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/** An axis in the page's colours. */
export function axis(colors: Colors, extra: uPlot.Axis): uPlot.Axis {
  return {
    stroke: colors.muted,
    grid: { stroke: colors.line, width: 1 },
    ticks: { stroke: colors.line, width: 1 },
    font: "12px system-ui, sans-serif",
    labelFont: "600 12px system-ui, sans-serif",
    ...extra,
  };
}

/** A colour with some transparency, for fills: rgba for `#rrggbb` (what the page's variables are), color-mix otherwise. */
export function faded(color: string, percent: number): string {
  const hex = color.match(/^#([\da-f]{2})([\da-f]{2})([\da-f]{2})$/i);
  if (!hex) return `color-mix(in srgb, ${color} ${percent}%, transparent)`;
  const [r, g, b] = hex.slice(1).map((part) => parseInt(part, 16));
  return `rgba(${r}, ${g}, ${b}, ${percent / 100})`;
}

/** An x axis of categories (days, agents) at 0, 1, 2…: half a step of room on either side, however many there are. */
export const categories = (count: number): uPlot.Scale => ({ time: false, range: () => [-0.5, Math.max(count, 1) - 0.5] });
