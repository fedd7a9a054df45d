// The inbox's rough edges (issue 17), in a real Chromium against `npm start` and a local Twilio
// (test/e2e/twilio.ts): a text from a number nobody named shows that number everywhere the name
// would be, the customer panel's conversations follow the inbox's live state, an empty SMS reply
// counts no segments, the Install snippet stays inside its box and copies, and the notification
// sender's hint names the product that sends the email.
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useChromium } from "./browser";
import { http, ok } from "./client";
import { agentContext, inbox, inboxReady, markPage, ScriptedCustomer, signInPage, stillSamePage, ticketReady } from "./inbox-fixtures";
import { useSmsInbox } from "./sms-setup";
import { attribute, base, count, freshCustomer, text } from "./widget-fixtures";

const chromium = useChromium();
const { customers, session, smsTicketOf } = useSmsInbox("admin", "rough");

/** A Swedish mobile number nobody has used, and how the inbox should show it. */
function swedishMobile(): { phone: string; shown: string } {
  const digits = String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
  return { phone: `+4670${digits}`, shown: `+46 70 ${digits.slice(0, 3)} ${digits.slice(3, 5)} ${digits.slice(5)}` };
}

async function agentPage(path: string, prepare?: (context: BrowserContext) => Promise<void>): Promise<Page> {
  const context = await chromium.keep(agentContext(chromium.browser));
  await prepare?.(context);
  return signInPage(context, session.agent, path);
}

/** Records the desktop notifications the inbox shows, and lets the test hide the tab. */
async function recordNotifications(context: BrowserContext) {
  await context.grantPermissions(["notifications"], { origin: base() });
  await context.addInitScript(() => {
    const w = window as any;
    w.__shown = [];
    w.__hidden = false;
    Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => (w.__hidden ? "hidden" : "visible") });
    const Real = window.Notification;
    w.Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        w.__shown.push(title);
      }
    };
  });
}

const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((value) => {
    (window as any).__hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);

describe("the inbox's rough edges", { timeout: 60_000 }, () => {
  it("shows a text from a number without a name as that number, formatted, in the notification, the row, the title and the message", async () => {
    const first = swedishMobile();
    const second = swedishMobile();
    const page = await agentPage("/", recordNotifications);
    await inboxReady(page);
    await setHidden(page, true);

    const ticketId = await smsTicketOf(first.phone, `Hej, where is my parcel? ${first.phone}`);
    await expect.poll(() => page.evaluate(() => (window as any).__shown as string[]), { timeout: 10_000 }).toContain(`New conversation from ${first.shown}`);
    await setHidden(page, false);

    const otherId = await smsTicketOf(second.phone, `Another stranger ${second.phone}`);
    const { id, row } = inbox(page);
    await text(row(ticketId).getByTestId("row-name"), first.shown);
    await text(row(otherId).getByTestId("row-name"), second.shown);

    await row(ticketId).click();
    await ticketReady(page, ticketId);
    await text(id("ticket-title"), first.shown);
    await text(page.locator('[data-testid="message"][data-author="customer"]').getByTestId("message-author"), first.shown);
    // The profile still holds the number as the store and Twilio know it, and no name.
    await text(id("profile-name"), "—");
  });

  it("keeps the customer panel's conversations as live as the list: another ticket's status and newest message show without a reload", async () => {
    const { phone } = swedishMobile();
    const chat = new ScriptedCustomer({ ...freshCustomer("rough"), phone });
    customers.push(chat);
    await chat.start("Hello from the web chat");
    const smsTicket = await smsTicketOf(phone, `And hello by text ${phone}`);

    const page = await agentPage(`/tickets/${smsTicket}`);
    await ticketReady(page, smsTicket);
    await markPage(page);
    const recent = (ticketId: string) => page.locator(`[data-testid="recent-ticket"][data-ticket-id="${ticketId}"]`);
    await attribute(recent(chat.ticketId), "data-status", "open");

    await ok(
      await http(`/api/tickets/${chat.ticketId}`, {
        method: "PATCH",
        cookie: session.cookie,
        json: { status: "snoozed", snoozeUntil: new Date(Date.now() + 3_600_000).toISOString() },
      }),
    );
    await attribute(recent(chat.ticketId), "data-status", "snoozed");
    // The customer writing wakes it, and the panel shows what they said.
    await chat.say("Are you there?");
    await attribute(recent(chat.ticketId), "data-status", "open");
    await text(recent(chat.ticketId).getByTestId("recent-ticket-preview"), "Are you there?");
    // This ticket's own change shows there too.
    await ok(await http(`/api/tickets/${smsTicket}`, { method: "PATCH", cookie: session.cookie, json: { status: "closed" } }));
    await attribute(recent(smsTicket), "data-status", "closed");
    expect(await stillSamePage(page)).toBe(true);
  });

  it("counts no SMS segments while the reply is empty", async () => {
    const { phone } = swedishMobile();
    const ticketId = await smsTicketOf(phone, `Segments? ${phone}`);
    const page = await agentPage(`/tickets/${ticketId}`);
    await ticketReady(page, ticketId);
    const { id } = inbox(page);
    await count(id("sms-segments"), 0);
    await id("composer-input").fill("Thanks!");
    await text(id("sms-segments"), "1 SMS segment · GSM-7");
    await id("composer-input").fill("   ");
    await count(id("sms-segments"), 0);
  });

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 700, height: 900 },
  ]) {
    it(`shows the whole Install snippet inside its box at ${viewport.width} px, and copies it`, async () => {
      const context = await chromium.keep(agentContext(chromium.browser, viewport));
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base() });
      const page = await signInPage(context, session.agent, "/settings/install");
      const snippet = page.getByTestId("embed-snippet");
      await snippet.waitFor();
      const box = await snippet.evaluate((code) => {
        const pre = code.closest("pre")!;
        const { left, right } = pre.getBoundingClientRect();
        // Whatever clips it: the nearest box around it that hides or scrolls what sticks out.
        let clip = pre.parentElement;
        while (clip && getComputedStyle(clip).overflowX === "visible") clip = clip.parentElement;
        const bounds = clip?.getBoundingClientRect() ?? { left: 0, right: innerWidth };
        return {
          fits: pre.scrollWidth <= pre.clientWidth,
          scrolls: ["auto", "scroll"].includes(getComputedStyle(pre).overflowX),
          inside: left >= bounds.left - 0.5 && right <= Math.min(bounds.right, innerWidth) + 0.5,
        };
      });
      // All of it is there to read: wrapped within the box (it is code to copy, not to scroll through).
      expect(box).toEqual({ fits: true, scrolls: true, inside: true });
      const expected = (await snippet.textContent())!;
      expect(expected).toContain(`${base()}/widget.js`);
      await page.getByTestId("embed-copy").click();
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(expected);
    });
  }

  it("says which Cloudflare product sends the notification emails, as the docs do", async () => {
    const page = await agentPage("/settings/notifications");
    const field = page.getByTestId("setting-notifyFrom");
    await field.waitFor();
    const hint = await field.evaluate((input) =>
      (input.getAttribute("aria-describedby") ?? "")
        .split(" ")
        .map((id) => document.getElementById(id)?.textContent ?? "")
        .join(" "),
    );
    expect(hint).toContain("Cloudflare Email Service");
    expect(hint).not.toContain("Email Routing");
  });
});
