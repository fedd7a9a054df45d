// The agent inbox in a real browser against `npm start` (inbox-setup.ts): snoozing a ticket and
// closing it.
import { describe, expect, it } from "vitest";
import { inbox, inboxReady, markPage, stillSamePage, until } from "./inbox-fixtures";
import { agentOnTicket, customerWrites, ticketOf, useInboxBrowser } from "./inbox-setup";
import { attribute, count, text, visible } from "./widget-fixtures";

useInboxBrowser();

describe("agent inbox in a browser", { timeout: 45_000 }, () => {
  describe("ticket status", () => {
    it("snoozes with a preset and a custom time, moves between the lists, and wakes when the customer writes", async () => {
      const customer = await customerWrites("Could you check back with me later?", "snooze");
      const { ticketId } = customer;
      const { page } = await agentOnTicket(ticketId, "snoozer");
      await inboxReady(page);
      await markPage(page);
      const row = inbox(page).row(ticketId);
      const badge = page.getByTestId("status-badge");
      await visible(row);
      await text(badge, "open");

      // A preset: in an hour.
      await page.getByTestId("snooze-button").click();
      await visible(page.getByTestId("snooze-menu"));
      const clicked = Date.now();
      await page.locator('[data-testid="snooze-preset"][data-preset="hour"]').click();
      await text(badge, "snoozed");
      await visible(page.getByTestId("snoozed-until"));
      await page.getByTestId("snooze-menu").waitFor({ state: "hidden" });
      const snoozed = await ticketOf(ticketId);
      expect(snoozed.status).toBe("snoozed");
      expect(Math.abs(Date.parse(snoozed.snoozeUntil) - (clicked + 60 * 60 * 1000))).toBeLessThan(60_000);
      // It leaves the Open list live, and is under Snoozed.
      await count(row, 0, 10_000);
      await page.getByTestId("status-snoozed").click();
      await attribute(page.getByTestId("status-snoozed"), "aria-pressed", "true");
      await visible(row);

      // A custom time: the day after tomorrow at 10:30, the agent's local time.
      await page.getByTestId("snooze-button").click();
      await visible(page.getByTestId("snooze-custom"));
      const local = await page.evaluate(() => {
        const at = new Date();
        at.setDate(at.getDate() + 2);
        at.setHours(10, 30, 0, 0);
        const pad = (n: number) => String(n).padStart(2, "0");
        return { value: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T10:30`, iso: at.toISOString() };
      });
      await page.getByTestId("snooze-custom").fill(local.value);
      await page.getByTestId("snooze-custom-apply").click();
      await until(async () => (await ticketOf(ticketId)).snoozeUntil, local.iso);
      await text(badge, "snoozed");
      const shown = await page.evaluate(
        (iso) => `until ${new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso))}`,
        local.iso,
      );
      await text(page.getByTestId("snoozed-until"), shown);
      await visible(row);

      // Back on the Open list, the customer's message wakes the ticket without a reload.
      await page.getByTestId("status-open").click();
      await attribute(page.getByTestId("status-open"), "aria-pressed", "true");
      await count(row, 0);
      await customer.say("Actually, I have one more question.");
      await text(badge, "open", 10_000);
      await count(page.getByTestId("snoozed-until"), 0);
      await visible(row, 10_000);
      await text(row.getByTestId("row-preview"), "Actually, I have one more question.");
      expect((await ticketOf(ticketId)).status).toBe("open");
      expect(await stillSamePage(page)).toBe(true);
    });

    it("closes through the dialog (also opened with c): no reply composer (notes only), a closed note, and a closed frame", async () => {
      const customer = await customerWrites("That's everything, thank you!", "close");
      const { ticketId } = customer;
      const { page } = await agentOnTicket(ticketId, "closer");
      const dialog = page.getByTestId("close-dialog");

      // The `c` shortcut (with focus outside any field) asks first.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press("c");
      await visible(dialog);
      await page.getByTestId("close-cancel").click();
      await dialog.waitFor({ state: "hidden" });
      expect((await ticketOf(ticketId)).status).toBe("open");

      await page.getByTestId("close-button").click();
      await visible(dialog);
      await page.getByTestId("close-confirm").click();
      await dialog.waitFor({ state: "hidden" });
      await visible(page.getByTestId("closed-note"));
      // No reply can go to the customer any more: the only composer left writes the team's notes.
      await attribute(page.getByTestId("composer"), "data-mode", "note");
      await count(page.getByTestId("composer-note-toggle"), 0);
      await text(page.getByTestId("status-badge"), "closed");
      await count(page.getByTestId("close-button"), 0);
      expect(await customer.socket.next((f) => f.type === "status" && f.status === "closed")).toMatchObject({ type: "status", status: "closed" });
      const closed = await ticketOf(ticketId);
      expect(closed.status).toBe("closed");
      expect(closed.closedAt).toEqual(expect.any(String));
    });
  });
});
