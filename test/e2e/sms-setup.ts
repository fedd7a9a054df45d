// What the inbox's SMS browser tests share: a local Twilio (twilio.ts) wired into the store's SMS
// settings for the file, put back after it, an agent of the file's own to sign in as, and the
// scripted web-chat customers closed after each test.
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { http, ok, signIn } from "./client";
import { createAgent, openSmsTicket, type Agent, type ScriptedCustomer } from "./inbox-fixtures";
import { LocalTwilio } from "./twilio";

export function useSmsInbox(role: "admin" | "agent", label: string) {
  const twilio = new LocalTwilio();
  const customers: ScriptedCustomer[] = [];
  // Each browser signs in as an agent of this file, not as its admin: the admin's sign-ins across
  // the e2e files would meet the login limit (10 a minute per account).
  const session = {} as { cookie: string; agent: Agent };
  let smsBefore: unknown;

  beforeAll(async () => {
    [session.cookie] = await Promise.all([signIn(), twilio.start()]);
    const { cookie } = session;
    session.agent = await createAgent(cookie, role, label);
    smsBefore = (await ok(await http("/api/settings", { cookie }))).sms;
    await ok(
      await http("/api/settings", {
        method: "PATCH",
        cookie,
        json: { sms: { enabled: true, accountSid: twilio.accountSid, fromNumber: twilio.number, apiBaseUrl: twilio.apiBaseUrl } },
      }),
    );
    await ok(await http("/api/credentials/twilio", { method: "PUT", cookie, json: { value: twilio.authToken } }), 204);
  });

  afterAll(async () => {
    const { cookie } = session;
    await http("/api/credentials/twilio", { method: "DELETE", cookie });
    if (smsBefore) await ok(await http("/api/settings", { method: "PATCH", cookie, json: { sms: smsBefore } }));
    await twilio.stop();
  });

  afterEach(() => {
    for (const customer of customers.splice(0)) customer.close();
  });

  /** The open SMS ticket of the customer with `phone`, once their first text has arrived through Twilio's webhook. */
  async function smsTicketOf(phone: string, firstText: string): Promise<string> {
    expect((await twilio.text(phone, firstText)).status).toBe(200);
    return openSmsTicket(session.cookie, (ticket) => ticket.preview === firstText, `an open SMS ticket previewing "${firstText}"`);
  }

  return { twilio, customers, session, smsTicketOf };
}
