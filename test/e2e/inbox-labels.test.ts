// Labels in a real browser against `npm start` (inbox-setup.ts): an admin adds a label in
// Settings → Labels, an agent puts it on a ticket with `l` and the label picker, the list's row
// shows it, and the list's label filter lists the ticket (and not one without it).
import { describe, expect, it } from "vitest";
import { http, ok } from "./client";
import { inbox, inboxReady, signInPage } from "./inbox-fixtures";
import { adminCookie, agentOnTicket, cleanups, context, customerWrites, ticketOf, useInboxBrowser } from "./inbox-setup";
import { count, visible } from "./widget-fixtures";

useInboxBrowser();

describe("labels in the inbox", { timeout: 60_000 }, () => {
  it("an admin adds a label; an agent labels a ticket with l; the row shows it; the filter lists it", async () => {
    const name = `Refund ${crypto.randomUUID().slice(0, 6)}`;

    // Settings → Labels: the admin adds it with a colour.
    const adminPage = await signInPage(await context(), undefined, "/settings/labels");
    await visible(adminPage.getByTestId("settings-section-labels"));
    await adminPage.getByTestId("label-name").fill(name);
    await adminPage.getByTestId("label-color").fill("#16a34a");
    await adminPage.getByTestId("label-submit").click();
    const item = adminPage.locator(`[data-testid="label-item"][data-label="${name}"]`);
    await visible(item);
    const { labels } = await ok(await http("/api/labels", { cookie: adminCookie }));
    const label = labels.find((candidate: { name: string }) => candidate.name === name);
    expect(label).toMatchObject({ name, color: "#16a34a" });
    cleanups.push(() => http(`/api/labels/${label.id}`, { method: "DELETE", cookie: adminCookie }));

    // An agent, on a customer's ticket, opens the picker with `l` and ticks the label.
    const labelled = await customerWrites("My parcel arrived broken, can I get a refund?", "labels");
    const other = await customerWrites("Just saying hello.", "labels-other");
    const { page } = await agentOnTicket(labelled.ticketId, "labeller");
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("l");
    const picker = page.getByTestId("label-picker");
    await visible(picker);
    const option = page.locator(`[data-testid="label-option"][data-label="${name}"]`);
    await option.check();
    await expect.poll(async () => (await ticketOf(labelled.ticketId)).labels, { timeout: 8_000 }).toEqual([name]);
    await page.getByTestId("label-picker-done").click();
    await picker.waitFor({ state: "hidden" });
    await visible(page.getByTestId("ticket-labels").locator(`[data-testid="label-chip"][data-label="${name}"]`));

    // The list's row shows it (live, from the inbox socket).
    const row = inbox(page).row(labelled.ticketId);
    await visible(row.locator(`[data-testid="label-chip"][data-label="${name}"]`), 10_000);

    // Filtering by it lists the labelled ticket and not the other one.
    await inboxReady(page);
    await visible(inbox(page).row(other.ticketId), 10_000);
    await page.getByTestId("filter-label").selectOption(name);
    await visible(row);
    await count(inbox(page).row(other.ticketId), 0, 10_000);
    await page.getByTestId("filter-label").selectOption("");
    await visible(inbox(page).row(other.ticketId), 10_000);
  });
});
