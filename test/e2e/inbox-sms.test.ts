// SMS in the inbox, in a real Chromium against `npm start` and a local Twilio (test/e2e/twilio.ts,
// Twilio's own wire format both ways): an SMS ticket beside the same customer's web chat, the
// composer's segment count, delivery statuses that follow Twilio's callbacks live, Retry on a
// failed text, and a reply to a number that texted STOP refused in the composer with the draft kept.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useChromium } from "./browser";
import { agentContext, inbox, markPage, ScriptedCustomer, signInPage, stillSamePage, ticketReady } from "./inbox-fixtures";
import { useSmsInbox } from "./sms-setup";
import { attribute, count, freshCustomer, text } from "./widget-fixtures";

const chromium = useChromium();
const { twilio, customers, session, smsTicketOf } = useSmsInbox("agent", "sms");

const newPhone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

async function openTicket(ticketId: string): Promise<Page> {
  const context = await chromium.keep(agentContext(chromium.browser));
  const page = await signInPage(context, session.agent, `/tickets/${ticketId}`);
  await ticketReady(page, ticketId);
  return page;
}

/** The text Twilio was asked to send with this body, once Parley's outbox has sent it. */
async function sentWith(body: string, nth = 1) {
  await expect.poll(() => twilio.sent.filter((sent) => sent.body === body).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(nth);
  return twilio.sent.filter((sent) => sent.body === body)[nth - 1]!;
}

describe("SMS in the inbox", { timeout: 60_000 }, () => {
  it("shows an SMS ticket with the envelope beside the same customer's web chat, and counts segments while the agent types", async () => {
    const phone = newPhone();
    const chat = new ScriptedCustomer({ ...freshCustomer("sms"), phone });
    customers.push(chat);
    await chat.start("Hello from the web chat");
    const smsTicket = await smsTicketOf(phone, "And hello by text");

    const page = await openTicket(smsTicket);
    const { id, row } = inbox(page);
    await attribute(row(smsTicket).getByTestId("channel-icon"), "data-channel", "sms");
    await attribute(row(chat.ticketId).getByTestId("channel-icon"), "data-channel", "webchat");
    const recent = (ticketId: string) => page.locator(`[data-testid="recent-ticket"][data-ticket-id="${ticketId}"]`);
    await attribute(recent(smsTicket), "data-channel", "sms");
    await attribute(recent(chat.ticketId), "data-channel", "webchat");
    expect(await recent(smsTicket).getAttribute("aria-current")).toBe("page");
    expect(await recent(chat.ticketId).getAttribute("aria-current")).toBeNull();
    expect(await recent(chat.ticketId).getByTestId("recent-ticket-preview").textContent()).toBe("Hello from the web chat");
    await attribute(recent(chat.ticketId).getByTestId("channel-icon"), "data-channel", "webchat");

    const segments = id("sms-segments");
    const input = id("composer-input");
    await input.click();
    await page.keyboard.type("Your parcel left today.");
    await attribute(segments, "data-encoding", "GSM-7");
    await text(segments, "1 SMS segment · GSM-7");
    // 160 GSM-7 characters fit one text; the 161st makes two segments of 153.
    await input.fill("a".repeat(160));
    await text(segments, "1 SMS segment · GSM-7");
    await page.keyboard.type("b");
    await text(segments, "2 SMS segments · GSM-7");
    // One emoji makes the whole text UCS-2: 70 units a text, 67 a segment.
    await input.fill("Thanks!");
    await page.keyboard.type(" 🎉");
    await text(segments, "1 SMS segment · UCS-2");
    await input.fill(`${"ä".repeat(60)}🎉`.repeat(2));
    await text(segments, "2 SMS segments · UCS-2");
    await input.fill("x".repeat(1601));
    await text(segments, "Too long for SMS: 1601 / 1600 characters");
    expect(await id("composer-send").isDisabled()).toBe(true);

    // The web chat's composer counts nothing.
    await recent(chat.ticketId).click();
    await ticketReady(page, chat.ticketId);
    await count(id("sms-segments"), 0);
  });

  it("shows each reply's delivery as Twilio reports it, live, and sends a failed one again with Retry", async () => {
    const phone = newPhone();
    const ticketId = await smsTicketOf(phone, "Where is my order?");
    const page = await openTicket(ticketId);
    const { id, messageWithBody } = inbox(page);
    await markPage(page);

    await id("composer-input").fill("It ships tomorrow.");
    await id("composer-input").press("Enter");
    const first = await sentWith("It ships tomorrow.");
    expect(first.to).toBe(phone);
    const reply = messageWithBody("It ships tomorrow.");
    await text(reply.getByTestId("sms-delivery-status"), "Queued");
    expect((await twilio.status(first, "sent")).status).toBe(204);
    await text(reply.getByTestId("sms-delivery-status"), "Sent");
    expect((await twilio.status(first, "delivered")).status).toBe(204);
    await text(reply.getByTestId("sms-delivery-status"), "Delivered");
    await attribute(reply, "data-delivery", "delivered");
    expect(await reply.getByTestId("sms-retry").count()).toBe(0);

    await id("composer-input").fill("Tracking: ZX-42.");
    await id("composer-input").press("Enter");
    const second = await sentWith("Tracking: ZX-42.");
    expect((await twilio.status(second, "undelivered", "30003")).status).toBe(204);
    const failed = messageWithBody("Tracking: ZX-42.");
    await text(failed.getByTestId("sms-delivery-status"), "Failed");
    expect(await failed.getByTestId("sms-delivery-error").textContent()).toContain("30003");
    await failed.getByTestId("sms-retry").click();
    const again = await sentWith("Tracking: ZX-42.", 2);
    expect(again.sid).not.toBe(second.sid);
    await count(failed.getByTestId("sms-retry"), 0);
    expect((await twilio.status(again, "delivered")).status).toBe(204);
    await text(failed.getByTestId("sms-delivery-status"), "Delivered");
    expect(await stillSamePage(page)).toBe(true);
  });

  it("refuses a reply to a number that texted STOP in the composer, keeping the draft, until START", async () => {
    const phone = newPhone();
    const ticketId = await smsTicketOf(phone, "Question about sizes");
    expect((await twilio.text(phone, "STOP")).status).toBe(200);
    const page = await openTicket(ticketId);
    const { id } = inbox(page);
    const sentBefore = twilio.sent.length;

    await id("composer-input").fill("Are you still there?");
    await id("composer-input").press("Enter");
    await attribute(id("composer-refusal"), "data-code", "sms_opted_out");
    expect(await id("composer-refusal").textContent()).toContain("STOP");
    expect(await id("composer-input").inputValue()).toBe("Are you still there?");
    expect(await page.locator('[data-testid="message"][data-author="agent"]').count()).toBe(0);
    expect(twilio.sent.length).toBe(sentBefore);

    expect((await twilio.text(phone, "START")).status).toBe(200);
    await id("composer-input").press("Enter");
    await sentWith("Are you still there?");
    await count(id("composer-refusal"), 0);
    expect(await id("composer-input").inputValue()).toBe("");
  });
});
