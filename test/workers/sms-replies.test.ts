// Agents' replies by SMS through Twilio (against the local stand-in, wire-services.ts): delivery
// status callbacks, MMS media and segments, STOP/START/HELP, and the ticket outbox riding out
// Twilio being down or refusing.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MessageT } from "../../contract";
import { agentSocket, BASE, call, eventually, expectError, json } from "./helpers";
import {
  accountSid,
  admin,
  authToken,
  conversation,
  history,
  inbound,
  newPhone,
  newSid,
  postTwilio,
  profilesWithPhone,
  queueUnsubscribedRefusal,
  STORE_NUMBER,
  text,
  useSmsAccount,
  wire,
} from "./sms-fixtures";
import { signedTwilioRequest } from "./wire-control";

useSmsAccount();

const reply = (ticketId: string, body: string, attachments?: Array<{ key: string }>) =>
  call(`/api/tickets/${ticketId}/messages`, {
    method: "POST",
    cookie: admin,
    json: { clientId: crypto.randomUUID(), body, ...(attachments ? { attachments } : {}) },
  });

const sentForms = async () => (await wire.requests("twilio")).map((request) => ({ request, form: new URLSearchParams(request.body) }));

/** The agent's reply as Twilio received it, once the outbox has sent it. */
async function sentTo(phone: string, body: string) {
  return eventually(async () => {
    const sent = (await sentForms()).find(({ form }) => form.get("To") === phone && form.get("Body") === body);
    expect(sent, "not sent to Twilio yet").toBeDefined();
    return sent!;
  });
}

async function delivery(ticketId: string, seq: number) {
  return (await history(ticketId)).find((message) => message.seq === seq)!.delivery!;
}

const statusCallback = (ticketId: string, seq: number, params: Record<string, string>) =>
  postTwilio(`/api/sms/twilio/status?ticket=${ticketId}&seq=${seq}`, { AccountSid: accountSid, ApiVersion: "2010-04-01", From: STORE_NUMBER, ...params });

describe("replies by SMS", () => {
  it("sends an agent's reply through Twilio and follows its status callbacks forward only", async () => {
    const { phone, ticketId } = await conversation();
    const agentView = await agentSocket(ticketId, admin);
    const { message } = await json<{ message: MessageT }>(await reply(ticketId, "It ships tomorrow."), 201);
    expect(message.delivery).toMatchObject({ status: "queued", segments: 1 });

    const { request, form } = await sentTo(phone, "It ships tomorrow.");
    expect(request.headers.authorization).toBe(`Basic ${btoa(`${accountSid}:${authToken}`)}`);
    expect(form.get("From")).toBe(STORE_NUMBER);
    expect(form.get("StatusCallback")).toBe(`${BASE}/api/sms/twilio/status?ticket=${ticketId}&seq=${message.seq}`);
    const sid = await eventually(async () => {
      const current = await delivery(ticketId, message.seq);
      expect(current.sid).toMatch(/^SM[0-9a-f]{32}$/);
      return current.sid!;
    });

    expect((await statusCallback(ticketId, message.seq, { MessageSid: sid, MessageStatus: "sent" })).status).toBe(204);
    expect((await delivery(ticketId, message.seq)).status).toBe("sent");
    expect((await statusCallback(ticketId, message.seq, { MessageSid: sid, MessageStatus: "delivered" })).status).toBe(204);
    expect((await delivery(ticketId, message.seq)).status).toBe("delivered");
    // Callbacks can arrive out of order: a late "sent" does not move it back.
    expect((await statusCallback(ticketId, message.seq, { MessageSid: sid, MessageStatus: "sent" })).status).toBe(204);
    expect((await statusCallback(ticketId, message.seq, { MessageSid: sid, MessageStatus: "receiving" })).status).toBe(204);
    expect(await delivery(ticketId, message.seq)).toMatchObject({ status: "delivered", sid, error: null });

    const frame = await agentView.next((candidate) => candidate.type === "delivery" && candidate.delivery.status === "delivered");
    expect(frame).toMatchObject({ seq: message.seq, delivery: { sid } });
    agentView.close();
  });

  it("refuses status callbacks that are forged, malformed, or for another message", async () => {
    const { phone, ticketId } = await conversation();
    const { message } = await json<{ message: MessageT }>(await reply(ticketId, "Checking now."), 201);
    await sentTo(phone, "Checking now.");
    const sid = await eventually(async () => (await delivery(ticketId, message.seq)).sid ?? Promise.reject(new Error("no sid yet")));

    const forged = await exports.default.fetch(
      await signedTwilioRequest(
        `${BASE}/api/sms/twilio/status?ticket=${ticketId}&seq=${message.seq}`,
        { MessageSid: sid, MessageStatus: "failed", ErrorCode: "30003" },
        "wrong-token",
      ),
    );
    await expectError(forged, 403, "forbidden");
    // Signed for another seq, replayed against this one.
    const other = await signedTwilioRequest(
      `${BASE}/api/sms/twilio/status?ticket=${ticketId}&seq=${message.seq + 1}`,
      { MessageSid: sid, MessageStatus: "failed" },
      authToken,
    );
    await expectError(
      await exports.default.fetch(
        new Request(`${BASE}/api/sms/twilio/status?ticket=${ticketId}&seq=${message.seq}`, {
          method: "POST",
          headers: other.headers,
          body: await other.arrayBuffer(),
        }),
      ),
      403,
      "forbidden",
    );
    expect((await expectError(await statusCallback(ticketId, 0, { MessageSid: sid, MessageStatus: "sent" }), 400, "invalid_request")).message).toMatch(/^seq/);
    expect((await expectError(await statusCallback(ticketId, message.seq, { MessageSid: sid }), 400, "invalid_request")).message).toMatch(/^MessageStatus/);
    await expectError(await statusCallback(ticketId, message.seq, { MessageSid: newSid(), MessageStatus: "failed" }), 404, "not_found");
    expect((await delivery(ticketId, message.seq)).status).not.toBe("failed");

    expect((await statusCallback(ticketId, message.seq, { MessageSid: sid, MessageStatus: "undelivered", ErrorCode: "30003" })).status).toBe(204);
    expect(await delivery(ticketId, message.seq)).toMatchObject({ status: "failed", error: "Twilio error 30003: unreachable handset" });
  });

  it("sends images as MMS media URLs and counts segments on the stored delivery", async () => {
    const { phone, ticketId } = await conversation();
    const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="), (char) =>
      char.charCodeAt(0),
    );
    const upload = new FormData();
    upload.set("file", new File([png], "label.png", { type: "image/png" }));
    const { key } = await json<{ key: string }>(await call("/api/uploads", { method: "POST", cookie: admin, body: upload }), 201);
    await json(await reply(ticketId, "Here is your label", [{ key }]), 201);
    const { form } = await sentTo(phone, "Here is your label");
    expect(form.getAll("MediaUrl")).toEqual([`${BASE}/api/uploads/${key}`]);

    const long = "Thanks for waiting.".repeat(10); // 190 GSM-7 characters: two segments
    const emoji = `${"Thanks ".repeat(10)}🙂`; // 72 UCS-2 units, past the 70 of one message: two segments
    const { message: twoSegments } = await json<{ message: MessageT }>(await reply(ticketId, long), 201);
    const { message: unicode } = await json<{ message: MessageT }>(await reply(ticketId, emoji), 201);
    expect(twoSegments.delivery!.segments).toBe(2);
    expect(unicode.delivery!.segments).toBe(2);
    // Sent before the next test can queue failures for Twilio.
    await sentTo(phone, long);
    await sentTo(phone, emoji);
  });

  it("honours STOP until START, and answers HELP with the store's help text", async () => {
    const { phone, ticketId } = await conversation();
    expect(await text(inbound(phone, "STOP"))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.</Message></Response>',
    );
    expect(await env.DB.prepare("SELECT phone FROM sms_opt_outs WHERE phone = ?").bind(phone).first()).toEqual({ phone });
    const refused = await expectError(await reply(ticketId, "Are you still there?"), 409, "sms_opted_out");
    expect(refused.message.length).toBeGreaterThan(0);

    expect(await text(inbound(phone, "start"))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe.</Message></Response>',
    );
    expect(await env.DB.prepare("SELECT phone FROM sms_opt_outs WHERE phone = ?").bind(phone).first()).toBeNull();
    await json(await reply(ticketId, "Welcome back"), 201);
    await sentTo(phone, "Welcome back");

    await json(
      await call("/api/settings", { method: "PATCH", cookie: admin, json: { sms: { helpMessage: "Shop & Co support <help>: reply here. STOP to opt out." } } }),
      200,
    );
    expect(await text(inbound(phone, "HELP"))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Shop &amp; Co support &lt;help&gt;: reply here. STOP to opt out.</Message></Response>',
    );
  });

  it("records a keyword from a number with no open ticket without opening one", async () => {
    const phone = newPhone();
    expect(await text(inbound(phone, "Stop"))).toContain("You have successfully been unsubscribed.");
    expect(await text(inbound(phone, "help"))).toContain("<Message>");
    expect(await profilesWithPhone(phone)).toEqual([]);
    expect(await env.DB.prepare("SELECT phone FROM sms_opt_outs WHERE phone = ?").bind(phone).first()).toEqual({ phone });
    expect(await text(inbound(phone, "START"))).toContain("re-subscribed");
    expect(await env.DB.prepare("SELECT phone FROM sms_opt_outs WHERE phone = ?").bind(phone).first()).toBeNull();
    expect(await profilesWithPhone(phone)).toEqual([]);
  });

  it("keeps a reply queued while Twilio is down and sends it once Twilio is back", async () => {
    const { phone, ticketId } = await conversation();
    await wire.queue("twilio", { kind: "fail", status: 503, times: 3 });
    const { message } = await json<{ message: MessageT }>(await reply(ticketId, "Sorry for the wait"), 201);
    await eventually(async () => {
      const attempts = (await sentForms()).filter(({ form }) => form.get("To") === phone);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect((await delivery(ticketId, message.seq)).status).toBe("queued");
    });
    await eventually(async () => {
      const current = await delivery(ticketId, message.seq);
      expect(current).toMatchObject({ status: "queued", error: null });
      expect(current.sid).toMatch(/^SM[0-9a-f]{32}$/);
    });
    expect((await sentForms()).filter(({ form }) => form.get("To") === phone)).toHaveLength(4);
  });

  it("marks a reply Twilio refuses as failed with Twilio's message, and sends it again on retry", async () => {
    const { phone, ticketId } = await conversation();
    await queueUnsubscribedRefusal();
    const { message } = await json<{ message: MessageT }>(await reply(ticketId, "Your refund is on its way"), 201);
    const failed = await eventually(async () => {
      const current = await delivery(ticketId, message.seq);
      expect(current.status).toBe("failed");
      return current;
    });
    expect(failed.error).toContain("21610");
    expect(failed.error).toContain("Attempt to send to unsubscribed recipient");

    const retried = await call(`/api/tickets/${ticketId}/messages/${message.seq}/retry`, { method: "POST", cookie: admin });
    expect(retried.ok, await retried.clone().text()).toBe(true);
    await eventually(async () => {
      expect((await sentForms()).filter(({ form }) => form.get("To") === phone && form.get("Body") === "Your refund is on its way")).toHaveLength(2);
      expect((await delivery(ticketId, message.seq)).sid).toMatch(/^SM/);
    });
  });

  it("texts the closed-hours reply to a customer who writes outside office hours", async () => {
    const closedMessage = "We're closed now and will text you back in the morning.";
    await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: true, weekly: [], closedMessage } } }), 200);
    try {
      const { phone, ticketId } = await conversation("Are you open?");
      const { form } = await sentTo(phone, closedMessage);
      expect(form.get("From")).toBe(STORE_NUMBER);
      const sent = (await history(ticketId)).find((message) => message.body === closedMessage)!;
      expect(sent.author.kind).toBe("bot");
      await eventually(async () => expect((await delivery(ticketId, sent.seq)).sid).toMatch(/^SM/));
    } finally {
      await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: false } } }), 200);
    }
  });

  it("keeps a replaced send's late status callbacks off the new send after a retry", async () => {
    const { phone, ticketId } = await conversation();
    const { message } = await json<{ message: MessageT }>(await reply(ticketId, "Your parcel is at the pick-up point"), 201);
    const first = (await sentTo(phone, "Your parcel is at the pick-up point")).form;
    const firstSid = await eventually(async () => {
      const { sid } = await delivery(ticketId, message.seq);
      expect(sid).toMatch(/^SM/);
      return sid!;
    });
    expect(first.get("StatusCallback")).toContain(`seq=${message.seq}`);
    expect((await statusCallback(ticketId, message.seq, { MessageSid: firstSid, MessageStatus: "undelivered", ErrorCode: "30003" })).status).toBe(204);
    expect((await delivery(ticketId, message.seq)).status).toBe("failed");

    await json(await call(`/api/tickets/${ticketId}/messages/${message.seq}/retry`, { method: "POST", cookie: admin }), 200);
    // Twilio repeats its word on the first send: the retry is not touched by it.
    expect((await statusCallback(ticketId, message.seq, { MessageSid: firstSid, MessageStatus: "failed", ErrorCode: "30003" })).status).toBe(204);
    const secondSid = await eventually(async () => {
      const current = await delivery(ticketId, message.seq);
      expect(current.status).toBe("queued");
      expect(current.sid).toMatch(/^SM/);
      expect(current.sid).not.toBe(firstSid);
      return current.sid!;
    });
    expect((await statusCallback(ticketId, message.seq, { MessageSid: secondSid, MessageStatus: "delivered" })).status).toBe(204);
    expect(await delivery(ticketId, message.seq)).toMatchObject({ status: "delivered", sid: secondSid, error: null });
  });
});
