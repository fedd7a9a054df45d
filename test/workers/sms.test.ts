// SMS through Twilio, against the local stand-in that speaks Twilio's wire format
// (wire-services.ts): signed inbound webhooks, the Messages API client, delivery status
// callbacks, STOP/START/HELP, MMS media, and the ticket outbox riding out Twilio being down.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { smsKeyword, smsSegments, type MessageT, type TicketT } from "../../contract";
import { db } from "../../worker/db/client";
import { DeliveryError } from "../../worker/lib/outbound";
import { findOrCreateProfileByPhone, inboundBody, storeInboundMedia } from "../../worker/lib/sms/inbound";
import { deliveryStatusOf, sendTwilioMessage, verifyTwilioSignature, type TwilioConfig } from "../../worker/lib/sms/twilio";
import { agentSocket, BASE, call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, startChat } from "./helpers";
import { signedTwilioRequest, twilioSignature, wireScope } from "./wire-control";

const wire = wireScope();
const { accountSid, authToken } = wire.credentials.twilio;
const STORE_NUMBER = "+15005550006";
const config = (): TwilioConfig => ({ apiBaseUrl: wire.baseUrl.twilio, accountSid, authToken, fromNumber: STORE_NUMBER });

let phoneCounter = 0;
const newPhone = () => `+1555${String(Date.now() % 1000).padStart(3, "0")}${String(++phoneCounter).padStart(4, "0")}`;
const newSid = () => `SM${crypto.randomUUID().replaceAll("-", "")}`;

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Twilio's inbound message webhook as Twilio posts it. */
const inbound = (from: string, body: string, extra: Record<string, string> = {}) => ({
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

async function postTwilio(path: string, params: Record<string, string>, token = authToken) {
  return exports.default.fetch(await signedTwilioRequest(`${BASE}${path}`, params, token));
}

/** Texts the store; resolves with the TwiML answer. */
async function text(params: Record<string, string>): Promise<string> {
  const response = await postTwilio("/api/sms/twilio", params);
  const body = await response.text();
  expect(response.status, body).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/xml/);
  return body;
}

const profilesWithPhone = async (phone: string) => (await env.DB.prepare("SELECT id FROM profiles WHERE phone = ?").bind(phone).all<{ id: string }>()).results;
const ticketOfSid = async (sid: string) =>
  (await env.DB.prepare("SELECT ticket_id AS id FROM sms_inbound WHERE sid = ?").bind(sid).first<{ id: string }>())?.id ?? null;
const smsTicketsOf = async (profileId: string) =>
  (await env.DB.prepare("SELECT id, status FROM tickets WHERE profile_id = ? AND channel = 'sms'").bind(profileId).all<{ id: string; status: string }>())
    .results;

let admin: string;
const history = async (ticketId: string) =>
  (await json<{ messages: MessageT[] }>(await call(`/api/tickets/${ticketId}/messages`, { cookie: admin }), 200)).messages;
const reply = (ticketId: string, body: string, attachments?: Array<{ key: string }>) =>
  call(`/api/tickets/${ticketId}/messages`, {
    method: "POST",
    cookie: admin,
    json: { clientId: crypto.randomUUID(), body, ...(attachments ? { attachments } : {}) },
  });
const sentForms = async () => (await wire.requests("twilio")).map((request) => ({ request, form: new URLSearchParams(request.body) }));

/** A number that has texted, with its open SMS ticket. */
async function conversation(first = "Hi, is my order on its way?") {
  const phone = newPhone();
  const params = inbound(phone, first);
  expect(await text(params)).toBe(EMPTY_TWIML);
  const ticketId = (await ticketOfSid(params.MessageSid))!;
  expect(ticketId).toBeTruthy();
  return { phone, ticketId };
}

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

async function configureSms(patch: Record<string, unknown> = {}) {
  await json(
    await call("/api/settings", {
      method: "PATCH",
      cookie: admin,
      json: { sms: { enabled: true, accountSid, fromNumber: STORE_NUMBER, apiBaseUrl: wire.baseUrl.twilio, ...patch } },
    }),
    200,
  );
}

beforeAll(async () => {
  admin = await login();
  await configureSms();
  await json(await call("/api/credentials/twilio", { method: "PUT", cookie: admin, json: { value: authToken } }), 204);
});

describe("Twilio's wire format", () => {
  it("verifies X-Twilio-Signature as Twilio documents it", async () => {
    // The example of Twilio's "Webhooks security" page: this URL, these parameters, token 12345.
    const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const params = new URLSearchParams({ CallSid: "CA1234567890ABCDE", Caller: "+12349013030", Digits: "1234", From: "+12349013030", To: "+18005551212" });
    expect(await verifyTwilioSignature("12345", url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).toBe(true);

    const tampered = new URLSearchParams(params);
    tampered.set("Digits", "1235");
    expect(await verifyTwilioSignature("12345", url, tampered, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).toBe(false);
    expect(await verifyTwilioSignature("12345", url.replace("bar=2", "bar=3"), params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).toBe(false);
    expect(await verifyTwilioSignature("54321", url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).toBe(false);
    expect(await verifyTwilioSignature("12345", url, params, null)).toBe(false);
    expect(await verifyTwilioSignature("12345", url, params, "not base64 at all!")).toBe(false);
    expect(await verifyTwilioSignature("12345", url, params, "")).toBe(false);
  });

  it("agrees with the test side's signer for any parameter order", async () => {
    const params = { Body: "héllo & <you>", From: "+15551230000", MessageSid: newSid(), AccountSid: accountSid, NumMedia: "0" };
    const url = `${BASE}/api/sms/twilio?x=1`;
    const signature = await twilioSignature(authToken, url, params);
    const reversed = new URLSearchParams(Object.entries(params).reverse());
    expect(await verifyTwilioSignature(authToken, url, reversed, signature)).toBe(true);
  });

  it("maps Twilio's message statuses onto delivery statuses", () => {
    // Twilio's documented MessageStatus values, grouped by what the customer's phone has seen.
    const byOutcome = {
      queued: ["accepted", "scheduled", "queued", "sending"],
      sent: ["sent"],
      delivered: ["delivered", "read"],
      failed: ["failed", "undelivered", "canceled"],
    };
    for (const [outcome, statuses] of Object.entries(byOutcome)) {
      for (const status of statuses) expect(deliveryStatusOf(status), status).toBe(outcome);
    }
    // Inbound-only statuses, and names that are no status at all.
    for (const other of ["receiving", "received", "toString", "DELIVERED", ""]) expect(deliveryStatusOf(other), other).toBeNull();
  });

  it("recognises the carrier keywords alone in a text, and counts segments as carriers split them", () => {
    expect(["STOP", " stop ", "Unsubscribe", "quit.", "START", "unstop", "HELP", "info!"].map(smsKeyword)).toEqual([
      "stop",
      "stop",
      "stop",
      "stop",
      "start",
      "start",
      "help",
      "help",
    ]);
    expect(["stop sending me these", "help me with my order", ""].map(smsKeyword)).toEqual([null, null, null]);
    expect(smsSegments("a".repeat(160))).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsSegments("a".repeat(161))).toMatchObject({ encoding: "GSM-7", segments: 2, perSegment: 153 });
    expect(smsSegments("€".repeat(80))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsSegments(`${"a".repeat(69)}😀`)).toMatchObject({ encoding: "UCS-2", units: 71, segments: 2 });
  });

  it("sends a text with the Messages API: form-encoded, from the store's number, with basic auth", async () => {
    await wire.reset();
    const sent = await sendTwilioMessage(config(), {
      to: "+15551234567",
      body: "Your order shipped",
      mediaUrls: ["https://shop.test/a.png", "https://shop.test/b.png"],
      statusCallback: `${BASE}/api/sms/twilio/status?ticket=t&seq=1`,
    });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent.status).toBe("queued");
    const [request] = await wire.requests("twilio");
    expect(request!.path).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`);
    expect(request!.headers.authorization).toBe(`Basic ${btoa(`${accountSid}:${authToken}`)}`);
    expect(request!.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(request!.body);
    expect(form.get("To")).toBe("+15551234567");
    expect(form.get("From")).toBe(STORE_NUMBER);
    expect(form.get("Body")).toBe("Your order shipped");
    expect(form.getAll("MediaUrl")).toEqual(["https://shop.test/a.png", "https://shop.test/b.png"]);
    expect(form.get("StatusCallback")).toBe(`${BASE}/api/sms/twilio/status?ticket=t&seq=1`);
  });

  it("turns Twilio's refusals into final errors carrying its code and message, never the token", async () => {
    const refused = await sendTwilioMessage(config(), { to: "+1555", body: "hi", mediaUrls: [], statusCallback: null }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeliveryError);
    expect(refused).toMatchObject({ retryable: false, status: 400 });
    expect((refused as Error).message).toContain("21211");
    expect((refused as Error).message).toContain("is not a valid phone number");

    const wrongToken = await sendTwilioMessage(
      { ...config(), authToken: "wrong-token-xyz" },
      { to: "+15551234567", body: "hi", mediaUrls: [], statusCallback: null },
    ).catch((error: unknown) => error);
    expect(wrongToken).toMatchObject({ retryable: false, status: 401 });
    expect((wrongToken as Error).message).toContain("20003");
    expect((wrongToken as Error).message).not.toContain("wrong-token-xyz");

    await wire.queue("twilio", {
      kind: "raw",
      status: 400,
      body: JSON.stringify({
        code: 21610,
        message: "Attempt to send to unsubscribed recipient",
        more_info: "https://www.twilio.com/docs/errors/21610",
        status: 400,
      }),
    });
    const unsubscribed = await sendTwilioMessage(config(), { to: "+15551234567", body: "hi", mediaUrls: [], statusCallback: null }).catch(
      (error: unknown) => error,
    );
    expect((unsubscribed as Error).message).toBe("Twilio answered 400: error 21610: Attempt to send to unsubscribed recipient");
  });

  it("treats Twilio down, rate limiting and silence as worth another try", async () => {
    const message = { to: "+15551234567", body: "hi", mediaUrls: [], statusCallback: null };
    await wire.queue("twilio", { kind: "fail", status: 503 }, { kind: "fail", status: 429, retryAfter: "7" }, { kind: "hang" });
    expect(await sendTwilioMessage(config(), message).catch((error: unknown) => error)).toMatchObject({ retryable: true, status: 503 });
    expect(await sendTwilioMessage(config(), message).catch((error: unknown) => error)).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    const hung = await sendTwilioMessage({ ...config(), timeoutMs: 200 }, message).catch((error: unknown) => error);
    expect(hung).toMatchObject({ retryable: true, message: "Twilio did not answer within 200 ms" });
    expect((await sendTwilioMessage(config(), message)).sid).toMatch(/^SM/);
  });
});

describe("inbound pieces", () => {
  it("makes one profile for a new number even when its first texts race", async () => {
    const phone = newPhone();
    const database = db(env.DB);
    const profiles = await Promise.all([1, 2, 3, 4].map(() => findOrCreateProfileByPhone(database, phone)));
    expect(new Set(profiles.map((profile) => profile.id)).size).toBe(1);
    expect(profiles[0]).toMatchObject({ phone, externalId: null, name: null });
    expect(await profilesWithPhone(phone)).toHaveLength(1);
  });

  it("finds the oldest profile the store gave that number", async () => {
    const phone = newPhone();
    for (const externalId of [`first-${phone}`, `second-${phone}`]) {
      await json(
        await call("/api/events", { method: "POST", token: env.API_KEY, json: { profile: { externalId, phone }, event: { name: "Signed Up" } } }),
        202,
      );
    }
    expect((await findOrCreateProfileByPhone(db(env.DB), phone)).externalId).toBe(`first-${phone}`);
  });

  it("keeps images from MMS media as the customer's uploads and names the rest in the text", async () => {
    const media = [
      { url: wire.twilioMedia("photo.png"), contentType: "image/png" },
      { url: wire.twilioMedia("notes.txt"), contentType: "text/plain" },
      { url: wire.twilioMedia("fake.jpg"), contentType: "image/jpeg" },
      { url: wire.twilioMedia("huge.png"), contentType: "image/png" },
      { url: wire.twilioMedia("missing.gif"), contentType: "image/gif" },
      // Not Twilio's host: the account's credentials are never sent there.
      { url: "http://127.0.0.1:9/elsewhere.png", contentType: "image/png" },
    ];
    const { attachments, notes } = await storeInboundMedia(env.UPLOADS, config(), "prf_test", media);
    expect(attachments).toHaveLength(1);
    const stored = await env.UPLOADS.head(attachments[0]!.key);
    expect(stored?.httpMetadata?.contentType).toBe("image/png");
    expect(stored?.customMetadata).toEqual({ owner: "customer:prf_test" });
    expect(attachments[0]!.key).toMatch(/^[0-9a-f]{32}$/);
    expect(notes).toEqual([
      "[text/plain attachment not shown: only png, jpeg, gif and webp images are kept]",
      "[image/jpeg attachment not shown: only png, jpeg, gif and webp images are kept]",
      "[image/png attachment not shown: it is over 10 MiB]",
      "[image/gif attachment not shown: it could not be fetched]",
      "[image/png attachment not shown: it could not be fetched]",
    ]);

    const wrongToken = await storeInboundMedia(env.UPLOADS, { ...config(), authToken: "nope" }, "prf_test", media.slice(0, 1));
    expect(wrongToken).toEqual({ attachments: [], notes: ["[image/png attachment not shown: it could not be fetched]"] });
  });

  it("writes the stored text of a message: media alone, notes, and the length limit", () => {
    expect(inboundBody("", [], 1)).toBe("(image)");
    expect(inboundBody("  ", [], 0)).toBe("(empty message)");
    expect(inboundBody("Look", ["[video/mp4 attachment not shown: …]"], 0)).toBe("Look\n[video/mp4 attachment not shown: …]");
    const long = inboundBody("x".repeat(5000), [], 0);
    expect(long).toHaveLength(4000);
    expect(long.endsWith("x…")).toBe(true);
  });
});

describe("POST /api/sms/twilio", () => {
  it("opens an SMS ticket in the inbox for a new number, with a new profile", async () => {
    const phone = newPhone();
    const params = inbound(phone, "Do you ship to Canada?");
    expect(await text(params)).toBe(EMPTY_TWIML);
    const [profile] = await profilesWithPhone(phone);
    expect(profile).toBeDefined();
    const ticketId = (await ticketOfSid(params.MessageSid))!;
    const listed = await eventually(async () => {
      const { tickets } = await json<{ tickets: TicketT[] }>(await call("/api/tickets?channel=sms", { cookie: admin }), 200);
      const ticket = tickets.find((candidate) => candidate.id === ticketId);
      expect(ticket).toBeDefined();
      return ticket!;
    });
    expect(listed).toMatchObject({ channel: "sms", status: "open", unread: true, preview: "Do you ship to Canada?", profileId: profile!.id });
    const [message] = await history(ticketId);
    expect(message).toMatchObject({ clientId: params.MessageSid, body: "Do you ship to Canada?", author: { kind: "customer", id: profile!.id } });
  });

  it("refuses a forged or missing signature with 403 and stores nothing", async () => {
    const phone = newPhone();
    const params = inbound(phone, "let me in");
    await expectError(await postTwilio("/api/sms/twilio", params, "not-the-auth-token"), 403, "forbidden");
    const unsigned = await exports.default.fetch(
      new Request(`${BASE}/api/sms/twilio`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(params),
      }),
    );
    await expectError(unsigned, 403, "forbidden");
    // Signed for another URL: the query is part of what Twilio signs.
    const moved = await signedTwilioRequest(`${BASE}/api/sms/twilio?campaign=1`, params, authToken);
    await expectError(
      await exports.default.fetch(new Request(`${BASE}/api/sms/twilio`, { method: "POST", headers: moved.headers, body: new URLSearchParams(params) })),
      403,
      "forbidden",
    );
    // A parameter changed after signing.
    const signed = await signedTwilioRequest(`${BASE}/api/sms/twilio`, params, authToken);
    await expectError(
      await exports.default.fetch(
        new Request(signed.url, { method: "POST", headers: signed.headers, body: new URLSearchParams({ ...params, Body: "something else" }) }),
      ),
      403,
      "forbidden",
    );
    expect(await profilesWithPhone(phone)).toEqual([]);
    expect(await ticketOfSid(params.MessageSid)).toBeNull();
  });

  it("refuses malformed webhooks with 400 naming the field", async () => {
    const phone = newPhone();
    const { MessageSid: _, ...noSid } = inbound(phone, "hi");
    expect((await expectError(await postTwilio("/api/sms/twilio", noSid), 400, "invalid_request")).message).toMatch(/^MessageSid/);
    expect((await expectError(await postTwilio("/api/sms/twilio", inbound("5551234", "hi")), 400, "invalid_request")).message).toMatch(
      /^From: must be a phone number in E\.164/,
    );
    const { From: __, ...noFrom } = inbound(phone, "hi");
    expect((await expectError(await postTwilio("/api/sms/twilio", noFrom), 400, "invalid_request")).message).toMatch(/^From/);
    expect(await profilesWithPhone(phone)).toEqual([]);
  });

  it("says so, with 403, while SMS is not set up", async () => {
    await configureSms({ enabled: false });
    try {
      const phone = newPhone();
      const error = await expectError(await postTwilio("/api/sms/twilio", inbound(phone, "hello?")), 403, "forbidden");
      expect(error.message).toContain("SMS is not set up");
      expect(await profilesWithPhone(phone)).toEqual([]);
    } finally {
      await configureSms();
    }
  });

  it("stores a retried MessageSid once, also after its ticket closed", async () => {
    const phone = newPhone();
    const params = inbound(phone, "Where is order 1001?");
    expect(await text(params)).toBe(EMPTY_TWIML);
    expect(await text(params)).toBe(EMPTY_TWIML);
    const ticketId = (await ticketOfSid(params.MessageSid))!;
    expect((await history(ticketId)).filter((message) => message.author.kind === "customer")).toHaveLength(1);

    await json(await call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    expect(await text(params)).toBe(EMPTY_TWIML);
    const [profile] = await profilesWithPhone(phone);
    // The close reaches D1's index a moment later; no second ticket is ever opened.
    await eventually(async () => expect(await smsTicketsOf(profile!.id)).toEqual([{ id: ticketId, status: "closed" }]));
  });

  it("keeps a number's texts in its open ticket, and starts a new ticket once that one closed", async () => {
    const { phone, ticketId } = await conversation("First");
    const second = inbound(phone, "Second");
    await text(second);
    expect(await ticketOfSid(second.MessageSid)).toBe(ticketId);
    expect((await history(ticketId)).map((message) => message.body)).toEqual(["First", "Second"]);

    await json(await call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    const third = inbound(phone, "Third, after you closed it");
    await text(third);
    const next = await ticketOfSid(third.MessageSid);
    expect(next).not.toBe(ticketId);
    expect((await history(next!)).map((message) => message.body)).toEqual(["Third, after you closed it"]);
  });

  it("puts two racing first texts from one number into one ticket of one profile", async () => {
    const phone = newPhone();
    const texts = [inbound(phone, "one"), inbound(phone, "two")];
    await Promise.all(texts.map(text));
    expect(await profilesWithPhone(phone)).toHaveLength(1);
    const [first, second] = await Promise.all(texts.map((params) => ticketOfSid(params.MessageSid)));
    expect(first).toBe(second);
    expect((await history(first!)).map((message) => message.body).sort()).toEqual(["one", "two"]);
  });

  it("gives the store's customer an SMS ticket beside their open web chat", async () => {
    const phone = newPhone();
    const externalId = `cust-${crypto.randomUUID()}`;
    await json(
      await call("/api/events", {
        method: "POST",
        token: env.API_KEY,
        json: { profile: { externalId, phone, name: "Ada Phone" }, event: { name: "Signed Up" } },
      }),
      202,
    );
    const shopper = await customer(externalId, "Ada Phone");
    const webchat = await startChat(shopper.token);
    const socket = await customerSocket(webchat.id, shopper.token);
    expect((await sendAndWait(socket, crypto.randomUUID(), "Chatting on the web")).type).toBe("ack");
    socket.close();

    const params = inbound(phone, "And texting too");
    await text(params);
    const smsTicket = (await ticketOfSid(params.MessageSid))!;
    expect(await profilesWithPhone(phone)).toEqual([{ id: shopper.profileId }]);
    await eventually(async () => {
      const { tickets } = await json<{ tickets: TicketT[] }>(await call("/api/tickets?status=open", { cookie: admin }), 200);
      const mine = tickets.filter((ticket) => ticket.profileId === shopper.profileId).map((ticket) => [ticket.id, ticket.channel]);
      expect(mine.sort()).toEqual(
        [
          [webchat.id, "webchat"],
          [smsTicket, "sms"],
        ].sort(),
      );
    });
  });

  it("stores MMS images with the text and serves them", async () => {
    const phone = newPhone();
    const params = inbound(phone, "", {
      NumMedia: "2",
      MediaUrl0: wire.twilioMedia("photo.png"),
      MediaContentType0: "image/png",
      MediaUrl1: wire.twilioMedia("notes.txt"),
      MediaContentType1: "text/plain",
    });
    await text(params);
    const [message] = await history((await ticketOfSid(params.MessageSid))!);
    expect(message!.body).toBe("[text/plain attachment not shown: only png, jpeg, gif and webp images are kept]");
    expect(message!.attachments).toHaveLength(1);
    expect(message!.attachments[0]).toMatchObject({ contentType: "image/png", url: `${BASE}/api/uploads/${message!.attachments[0]!.key}` });
    const served = await call(`/api/uploads/${message!.attachments[0]!.key}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("Content-Type")).toBe("image/png");
    expect([...new Uint8Array(await served.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);

    const onlyImage = inbound(phone, "", { NumMedia: "1", MediaUrl0: wire.twilioMedia("photo.png"), MediaContentType0: "image/png" });
    await text(onlyImage);
    expect((await history((await ticketOfSid(onlyImage.MessageSid))!)).at(-1)!.body).toBe("(image)");
  });

  it("cuts a body past the message limit", async () => {
    const phone = newPhone();
    const params = inbound(phone, "y".repeat(4500));
    await text(params);
    const [message] = await history((await ticketOfSid(params.MessageSid))!);
    expect(message!.body).toBe(`${"y".repeat(3999)}…`);
  });
});

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
    await wire.queue("twilio", {
      kind: "raw",
      status: 400,
      body: JSON.stringify({
        code: 21610,
        message: "Attempt to send to unsubscribed recipient",
        more_info: "https://www.twilio.com/docs/errors/21610",
        status: 400,
      }),
    });
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
