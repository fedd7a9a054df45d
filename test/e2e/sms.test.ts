// The done-when, end to end against `npm start`: the scripted phone (`npm run phone`)
// texts the store, the SMS ticket appears live in the inbox in Chromium with the envelope icon
// beside the same customer's web chat, an agent replies from the composer, and the phone
// receives the reply, which then reaches "delivered" through the phone's status callbacks.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterEach, expect, inject, it } from "vitest";
import { useChromium } from "./browser";
import { http, ok, signIn, withSettings } from "./client";
import { agentContext, createAgent, inbox, inboxReady, openSmsTicket, ScriptedCustomer, signInPage, ticketReady } from "./inbox-fixtures";
import { base, freshCustomer } from "./widget-fixtures";

const chromium = useChromium();
const STORE_NUMBER = "+15005550006";

/** `npm run phone` as a child process: lines written to it are texts; what it prints is kept. */
class Phone {
  private readonly child: ChildProcessWithoutNullStreams;
  output = "";

  /** `admin` sets SMS up: an account of the phone's own, since sign-ins are limited per account. */
  constructor(
    readonly number: string,
    admin: { email: string; password: string },
  ) {
    this.child = spawn(process.execPath, [
      "scripts/phone.mjs",
      "--parley",
      base(),
      "--number",
      number,
      "--store-number",
      STORE_NUMBER,
      "--email",
      admin.email,
      "--password",
      admin.password,
    ]);
    this.child.stdout.on("data", (chunk) => (this.output += chunk));
    this.child.stderr.on("data", (chunk) => (this.output += chunk));
  }

  async printed(text: string, timeout = 10_000) {
    await expect.poll(() => this.output, { timeout }).toContain(text);
  }

  text(body: string) {
    this.child.stdin.write(`${body}\n`);
  }

  /** Ends its input, as Ctrl-D does; resolves with its exit code. */
  async hangUp(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end();
    return exited;
  }
}

const phones: Phone[] = [];
const customers: ScriptedCustomer[] = [];
afterEach(async () => {
  customers.splice(0).forEach((customer) => customer.close());
  await Promise.all(phones.splice(0).map((phone) => phone.hangUp()));
});

it("holds an SMS conversation from the scripted phone in the inbox, beside the customer's web chat", async () => {
  const cookie = await signIn();
  const number = `+1555${String(Date.now()).slice(-7)}`;
  // The phone points the SMS settings at itself; the shared server gets the old ones back after.
  await withSettings(cookie, { sms: (await ok(await http("/api/settings", { cookie }))).sms }, async () => {
    // The store's customer, known by phone, already chatting on the web.
    const shopper = new ScriptedCustomer(freshCustomer("sms"));
    customers.push(shopper);
    await shopper.start("Asking on the web first");
    await ok(
      await http("/api/events", {
        method: "POST",
        token: inject("apiKey"),
        json: { profile: { externalId: shopper.customer.id, phone: number }, event: { name: "Added Phone" } },
      }),
      202,
    );

    const page = await signInPage(await chromium.keep(agentContext(chromium.browser)));
    await inboxReady(page);
    await inbox(page).row(shopper.ticketId).waitFor();

    const phone = new Phone(number, await createAgent(cookie, "admin", "phone"));
    phones.push(phone);
    await phone.printed("ready");
    phone.text("Hi, texting about my order too");
    await phone.printed(`💬 ${number} → Store: Hi, texting about my order too`);

    const smsTicketId = await openSmsTicket(cookie, (ticket) => ticket.profileId === shopper.profileId, "the shopper's open SMS ticket");

    // Live, without a reload: the SMS row with the envelope icon, and the web chat row beside it.
    const smsRow = inbox(page).row(smsTicketId);
    await smsRow.waitFor();
    await smsRow.locator('[data-testid="channel-icon"][data-channel="sms"]').waitFor();
    await inbox(page).row(shopper.ticketId).locator('[data-testid="channel-icon"][data-channel="webchat"]').waitFor();
    expect(await smsRow.textContent()).toContain("Hi, texting about my order too");

    await smsRow.click();
    await ticketReady(page, smsTicketId);
    await inbox(page).messageWithBody("Hi, texting about my order too").waitFor();
    await page.getByTestId("composer-input").fill("It left our warehouse this morning.");
    await page.getByTestId("composer-send").click();

    await phone.printed(`📱 Store → ${number}: It left our warehouse this morning.`);
    await expect
      .poll(
        async () => {
          const { messages } = await ok(await http(`/api/tickets/${smsTicketId}/messages`, { cookie }));
          return messages.find((message: { body: string }) => message.body === "It left our warehouse this morning.")?.delivery?.status;
        },
        { timeout: 10_000 },
      )
      .toBe("delivered");
    expect(await phone.hangUp()).toBe(0);
    await ok(await http("/api/credentials/twilio", { method: "DELETE", cookie }), 204);
  });
});
