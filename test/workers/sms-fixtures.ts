// What the SMS tests share (sms-twilio.test.ts, sms-inbound.test.ts, sms-replies.test.ts): the
// local stand-in that speaks Twilio's wire format (wire-services.ts), Twilio's webhooks as Twilio
// posts them, and the store's SMS set up with the stand-in's account.
import { env, exports } from "cloudflare:workers";
import { beforeAll, expect } from "vitest";
import type { MessageT } from "../../contract";
import type { TwilioConfig } from "../../worker/lib/sms/twilio";
import { BASE, call, json, login } from "./helpers";
import { signedTwilioRequest, wireScope } from "./wire-control";

export const wire = wireScope();
export const { accountSid, authToken } = wire.credentials.twilio;
export const STORE_NUMBER = "+15005550006";
export const config = (): TwilioConfig => ({ apiBaseUrl: wire.baseUrl.twilio, accountSid, authToken, fromNumber: STORE_NUMBER });

let phoneCounter = 0;
export const newPhone = () => `+1555${String(Date.now() % 1000).padStart(3, "0")}${String(++phoneCounter).padStart(4, "0")}`;
export const newSid = () => `SM${crypto.randomUUID().replaceAll("-", "")}`;

/** Twilio's documented 400 for a number that texted STOP (error 21610), as the next answer of its Messages API. */
export const queueUnsubscribedRefusal = () =>
  wire.queue("twilio", {
    kind: "raw",
    status: 400,
    body: JSON.stringify({
      code: 21610,
      message: "Attempt to send to unsubscribed recipient",
      more_info: "https://www.twilio.com/docs/errors/21610",
      status: 400,
    }),
  });

export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Twilio's inbound message webhook as Twilio posts it. */
export const inbound = (from: string, body: string, extra: Record<string, string> = {}) => ({
  ToCountry: "US",
  SmsMessageSid: extra.MessageSid ?? newSid(),
  NumMedia: "0",
  SmsSid: "",
  SmsStatus: "received",
  Body: body,
  To: STORE_NUMBER,
  NumSegments: "1",
  MessageSid: newSid(),
  AccountSid: accountSid,
  From: from,
  ApiVersion: "2010-04-01",
  ...extra,
});

export async function postTwilio(path: string, params: Record<string, string>, token = authToken) {
  return exports.default.fetch(await signedTwilioRequest(`${BASE}${path}`, params, token));
}

/** Texts the store; resolves with the TwiML answer. */
export async function text(params: Record<string, string>): Promise<string> {
  const response = await postTwilio("/api/sms/twilio", params);
  const body = await response.text();
  expect(response.status, body).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/xml/);
  return body;
}

export const profilesWithPhone = async (phone: string) =>
  (await env.DB.prepare("SELECT id FROM profiles WHERE phone = ?").bind(phone).all<{ id: string }>()).results;
export const ticketOfSid = async (sid: string) =>
  (await env.DB.prepare("SELECT ticket_id AS id FROM sms_inbound WHERE sid = ?").bind(sid).first<{ id: string }>())?.id ?? null;

export let admin: string;
export const history = async (ticketId: string) =>
  (await json<{ messages: MessageT[] }>(await call(`/api/tickets/${ticketId}/messages`, { cookie: admin }), 200)).messages;

/** A number that has texted, with its open SMS ticket. */
export async function conversation(first = "Hi, is my order on its way?") {
  const phone = newPhone();
  const params = inbound(phone, first);
  expect(await text(params)).toBe(EMPTY_TWIML);
  const ticketId = (await ticketOfSid(params.MessageSid))!;
  expect(ticketId).toBeTruthy();
  return { phone, ticketId };
}

export async function configureSms(patch: Record<string, unknown> = {}) {
  await json(
    await call("/api/settings", {
      method: "PATCH",
      cookie: admin,
      json: { sms: { enabled: true, accountSid, fromNumber: STORE_NUMBER, apiBaseUrl: wire.baseUrl.twilio, ...patch } },
    }),
    200,
  );
}

/** Signs this file's admin in and sets SMS up with the stand-in's account and auth token, before the file's tests. */
export function useSmsAccount() {
  beforeAll(async () => {
    admin = await login();
    await configureSms();
    await json(await call("/api/credentials/twilio", { method: "PUT", cookie: admin, json: { value: authToken } }), 204);
  });
}
