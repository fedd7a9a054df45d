// A small uPlot plugin: a box beside the cursor with the exact values at the point under it (the
// canvas has no text to hover). Lines are set as text, never HTML: agents' names are the team's input.
import type uPlot from "uplot";

/** `lines(index)`: a title and the values for the data point at `index` on the x axis. */
export function tooltip(lines: (index: number) => { title: string; rows: string[] }): uPlot.Plugin {
  let tip: HTMLDivElement;
  return {
    hooks: {
      init: (chart) => {
        tip = document.createElement("div");
        tip.className = "chart-tip";
        tip.dataset.testid = "chart-tooltip";
        tip.hidden = true;
        chart.over.appendChild(tip);
      },
      setCursor: (chart) => {
        const index = chart.cursor.idx;
        if (index === null || index === undefined || chart.cursor.left === undefined || chart.cursor.left < 0) {
          tip.hidden = true;
          return;
        }
        const { title, rows } = lines(index);
        const heading = document.createElement("strong");
        heading.textContent = title;
        tip.replaceChildren(heading, ...rows.map((row) => Object.assign(document.createElement("div"), { textContent: row })));
        tip.hidden = false;
        // Beside the point, kept inside the plot.
        const x = chart.valToPos(chart.data[0][index]!, "x");
        const width = tip.offsetWidth;
        const left = x + 12 + width > chart.over.clientWidth ? x - 12 - width : x + 12;
        tip.style.left = `${Math.max(0, left)}px`;
        tip.style.top = `${Math.max(0, Math.min((chart.cursor.top ?? 0) - 10, chart.over.clientHeight - tip.offsetHeight))}px`;
      },
    },
  };
}
