// The Reports page, in a real browser against `npm start`: customers write over the widget API,
// an agent of the file's own answers them and closes two, which two customers rate; once the
// facts have reached D1 (the ticket objects' coalesced sync, a second or two), the page shows them
// for today and that agent: the tiles, conversations by day, the agent's bars and the busiest
// hours, a tooltip on the chart, the CSV of the same query, and a layout that fits a tablet.
// UPDATE_SCREENSHOTS=1 also saves the page at 1280 px as docs/screenshots/reports.png.
import { describe, expect, it } from "vitest";
import { http, ok, signIn } from "./client";
import { signInPage, type ScriptedCustomer } from "./inbox-fixtures";
import { adminCookie, context, customerWrites, newAgent, useInboxBrowser } from "./inbox-setup";
import { uniqueIp } from "./widget-fixtures";

useInboxBrowser();

/** The calendar day it is now in `timeZone`, as the report names days (en-CA writes YYYY-MM-DD). */
const dayIn = (timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());

describe("agent inbox in a browser", { timeout: 90_000 }, () => {
  it("reports today's conversations, first response and CSAT for an agent, by day, by agent and by hour", async () => {
    const agent = await newAgent("reports");
    const cookie = await signIn(agent);
    const customers: ScriptedCustomer[] = [];
    for (const n of [1, 2, 3]) customers.push(await customerWrites(`Where is order ${n}?`, "reports"));
    for (const [n, customer] of customers.entries())
      await ok(
        await http(`/api/tickets/${customer.ticketId}/messages`, {
          method: "POST",
          cookie,
          json: { clientId: `reports-${customer.ticketId}`, body: `On its way (${n})` },
        }),
        201,
      );
    for (const customer of customers.slice(0, 2))
      await ok(await http(`/api/tickets/${customer.ticketId}`, { method: "PATCH", cookie, json: { status: "closed" } }));
    for (const [customer, score] of [
      [customers[0]!, 5],
      [customers[1]!, 3],
    ] as const)
      await ok(
        await http(`/api/widget/conversations/${customer.ticketId}/rating`, { method: "POST", token: customer.token, ip: uniqueIp(), json: { score } }),
        201,
      );

    // Today in the team's time zone (the office hours'), which the report counts days in.
    const { officeHours } = await ok(await http("/api/settings", { cookie: adminCookie }));
    const today = dayIn(officeHours.timezone);
    const query = `from=${today}&to=${today}&agentId=${encodeURIComponent(agent.id)}`;
    // The facts reach D1 through the ticket objects' sync: wait for the API before the page.
    await expect
      .poll(
        async () => {
          const report = await ok(await http(`/api/reports?${query}`, { cookie }));
          return [report.totals.conversations, report.totals.closed, report.totals.csat.responses, report.totals.firstResponse.median !== null];
        },
        { timeout: 15_000 },
      )
      .toEqual([3, 2, 2, true]);

    const page = await signInPage(await context(), agent, "/reports");
    await page.getByTestId("reports").waitFor();
    expect(await page.getByTestId("nav-reports").getAttribute("aria-current")).toBe("page");
    await page.getByTestId("reports-preset-today").click();
    await expect.poll(() => page.getByTestId("reports-agent-filter").locator(`option[value="${agent.id}"]`).count()).toBe(1);
    await page.getByTestId("reports-agent-filter").selectOption(agent.id);

    const tile = (id: string) => ({
      value: () => page.getByTestId(`reports-tile-${id}`).getByTestId("tile-value").textContent(),
      detail: () => page.getByTestId(`reports-tile-${id}`).getByTestId("tile-detail").textContent(),
    });
    await expect.poll(tile("conversations").value, { timeout: 10_000 }).toBe("3");
    expect(await tile("conversations").detail()).toBe("2 closed");
    // A duration with its unit (replies came within seconds of the questions).
    expect(await tile("first-response").value()).toMatch(/^\d[\d.,]* (sec|min)$/);
    expect(await tile("resolution").value()).toMatch(/^\d[\d.,]* (sec|min)$/);
    expect(await tile("csat").value()).toBe("4.0 / 5");
    expect(await tile("csat").detail()).toBe("50% satisfied · 2 responses");

    // By day: today's three, drawn (a canvas) and in the chart's table.
    const byDay = page.getByTestId("reports-by-day");
    expect(await byDay.locator("canvas").count()).toBeGreaterThan(0);
    expect(await byDay.locator('[data-testid="reports-day"]').count()).toBe(1);
    expect(await byDay.locator(`[data-testid="reports-day"][data-date="${today}"]`).getAttribute("data-conversations")).toBe("3");
    // Hovering today's point shows its exact values.
    const plot = byDay.locator(".u-over");
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = byDay.getByTestId("chart-tooltip");
    await tip.waitFor({ state: "visible" });
    expect(await tip.textContent()).toContain("Conversations: 3");

    // By agent: the agent's three conversations and three replies.
    const row = page.locator(`[data-testid="reports-agent"][data-agent-id="${agent.id}"]`);
    expect([await row.getAttribute("data-conversations"), await row.getAttribute("data-replies")]).toEqual(["3", "3"]);
    expect(await page.getByTestId("reports-by-agent").locator("canvas").count()).toBeGreaterThan(0);

    // The heatmap: 7 × 24 cells whose counts add up to the three, each with its count in words.
    const cells = page.getByTestId("reports-heatmap").getByTestId("reports-heat");
    const counts = await cells.evaluateAll((tds) => tds.map((td) => Number(td.getAttribute("data-count"))));
    expect(counts).toHaveLength(7 * 24);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(3);
    const busiest = cells.and(page.locator('[data-count]:not([data-count="0"])')).first();
    expect(await busiest.getAttribute("aria-label")).toMatch(/^\w+ \d\d:00–\d\d:00: [1-3] conversations?$/);

    // The CSV link asks for the same report.
    const href = (await page.getByTestId("reports-csv").getAttribute("href"))!;
    expect(href).toBe(`/api/reports.csv?from=${today}&to=${today}&agentId=${encodeURIComponent(agent.id)}`);
    const csv = await (await http(href, { cookie })).text();
    expect(csv).toContain(`${today},3,`);

    // A tablet: the charts follow their container (one column now, two beside each other before), nothing runs off the side.
    const room = () =>
      byDay.evaluate((section) => {
        const style = getComputedStyle(section);
        const inner = section.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return Math.abs(section.querySelector(".uplot")!.getBoundingClientRect().width - inner) <= 1;
      });
    const wide = await byDay.evaluate((section) => section.clientWidth);
    expect(await room()).toBe(true);
    await page.setViewportSize({ width: 768, height: 1024 });
    await expect.poll(() => byDay.evaluate((section) => section.clientWidth)).not.toBe(wide);
    await expect.poll(room).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
    expect(await page.getByTestId("reports").evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);

    if (process.env.UPDATE_SCREENSHOTS) {
      // Seven days of the whole team, for the docs.
      await page.setViewportSize({ width: 1280, height: 1100 });
      await page.getByTestId("reports-agent-filter").selectOption("");
      await page.getByTestId("reports-preset-7d").click();
      await expect.poll(() => page.locator('[data-testid="reports-day"]').count()).toBe(7);
      await expect.poll(() => page.getByTestId("reports").getAttribute("aria-busy")).toBe("false");
      await page.mouse.move(0, 0);
      await page.screenshot({ path: "docs/screenshots/reports.png" });
    }
  });
});
