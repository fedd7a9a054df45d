// The contract's "Text" rules (spec v2), applied where every body is validated: a body needs a
// visible character, a lone surrogate is refused (never stored altered), and what is stored is
// exactly what went out live.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { MessageT } from "../../contract";
import { BASE, call, customer, customerSocket, expectError, json, login, sendAndWait, startChat, type Client } from "./helpers";
import { signedTwilioRequest, wireScope } from "./wire-control";

/** Bodies with nothing to see: spaces, zero-width and other format characters, blank letters. */
const INVISIBLE = {
  "three zero-width spaces": "\u200B\u200B\u200B",
  "whitespace and a zero-width joiner": " \t\n\u200D \u00A0",
  "word joiner and byte-order mark": "\u2060\uFEFF",
  "a right-to-left override alone": "\u202E",
  "Hangul fillers": "\u3164\u115F",
  "a braille blank": "\u2800",
  "combining marks with nothing to sit on": "\u0301\u0308",
};
const LONE_SURROGATES = { "a high surrogate": "hi \uD83D", "a low surrogate": "\uDE00 there", "reversed pair": "\uDE00\uD83D" };
/** Bodies that are fine and must come back byte for byte. */
const VISIBLE = ["👍🏽 thanks!", "שלום, where is my order?", "price \u202E01$ \u2066ok\u2069", "Borås\u200Bsweater", "   padded but fine   ".trim()];

let admin: string;
let shopper: Awaited<ReturnType<typeof customer>>;
let ticketId: string;
let socket: Client;

const history = async () => (await json<{ messages: MessageT[] }>(await call(`/api/tickets/${ticketId}/messages`, { cookie: admin }), 200)).messages;

beforeAll(async () => {
  admin = await login();
  shopper = await customer();
  ticketId = (await startChat(shopper.token)).id;
  socket = await customerSocket(ticketId, shopper.token);
  expect((await sendAndWait(socket, "first", "hello")).type).toBe("ack");
});

describe("a body must show something", () => {
  it("refuses invisible bodies on the socket with invalid_frame, and no seq is taken", async () => {
    const before = await history();
    for (const [name, body] of Object.entries(INVISIBLE)) {
      const answer = await sendAndWait(socket, `invisible-${name}`, body);
      expect(answer, name).toMatchObject({ type: "error", code: "invalid_frame", clientId: `invisible-${name}` });
      expect(answer.message, name).toMatch(/^body: /);
    }
    expect(await history()).toEqual(before);
    expect(await sendAndWait(socket, "after-invisible", "still here")).toEqual({ type: "ack", clientId: "after-invisible", seq: before.at(-1)!.seq + 1 });
  });

  it("refuses invisible replies over REST with 400 invalid_request naming body", async () => {
    const before = await history();
    for (const [name, body] of Object.entries(INVISIBLE)) {
      const error = await expectError(
        await call(`/api/tickets/${ticketId}/messages`, { method: "POST", cookie: admin, json: { clientId: `rest-${name}`, body } }),
        400,
        "invalid_request",
      );
      expect(error.message, name).toMatch(/^body: /);
    }
    expect(await history()).toEqual(before);
  });
});

describe("lone surrogates", () => {
  it("are refused on the socket and over REST, never stored as U+FFFD", async () => {
    const before = await history();
    for (const [name, body] of Object.entries(LONE_SURROGATES)) {
      expect(await sendAndWait(socket, `lone-${name}`, body), name).toMatchObject({ type: "error", code: "invalid_frame" });
      // JSON.stringify writes a lone surrogate as a \\uXXXX escape, as a browser would send it.
      await expectError(
        await call(`/api/tickets/${ticketId}/messages`, { method: "POST", cookie: admin, json: { clientId: `lone-rest-${name}`, body } }),
        400,
        "invalid_request",
      );
    }
    const after = await history();
    expect(after).toEqual(before);
    expect(after.some((message) => message.body.includes("\uFFFD"))).toBe(false);
  });
});

describe("what is stored is what went out", () => {
  it("delivers and stores visible bodies exactly, emoji, right-to-left text and isolates included", async () => {
    const watcher = await customerSocket(ticketId, shopper.token, (await history()).at(-1)!.seq);
    for (const [index, body] of VISIBLE.entries()) expect((await sendAndWait(socket, `visible-${index}`, body)).type).toBe("ack");
    const live = VISIBLE.map((_, index) => watcher.messages().find((message) => message.clientId === `visible-${index}`)!);
    const stored = (await history()).filter((message) => message.clientId?.startsWith("visible-"));
    expect(stored).toEqual(live.map(({ type: _, ...message }: MessageT & { type?: string }) => message));
    expect(stored.map((message) => message.body)).toEqual(VISIBLE);
    watcher.close();
  });
});

describe("SMS goes through the same rules", () => {
  it("stores an SMS of invisible characters as an empty message, never as an empty bubble", async () => {
    const wire = wireScope();
    await json(
      await call("/api/settings", {
        method: "PATCH",
        cookie: admin,
        json: { sms: { enabled: true, accountSid: wire.credentials.twilio.accountSid, fromNumber: "+15005550006", apiBaseUrl: wire.baseUrl.twilio } },
      }),
      200,
    );
    await json(await call("/api/credentials/twilio", { method: "PUT", cookie: admin, json: { value: wire.credentials.twilio.authToken } }), 204);
    const sid = `SM${crypto.randomUUID().replaceAll("-", "")}`;
    const params = {
      MessageSid: sid,
      AccountSid: wire.credentials.twilio.accountSid,
      From: "+15557770001",
      To: "+15005550006",
      Body: "\u200B\u200B\u200B",
      NumMedia: "0",
    };
    expect((await exports.default.fetch(await signedTwilioRequest(`${BASE}/api/sms/twilio`, params, wire.credentials.twilio.authToken))).status).toBe(200);
    const sms = await env.DB.prepare("SELECT ticket_id AS id FROM sms_inbound WHERE sid = ?").bind(sid).first<{ id: string }>();
    const { messages } = await json(await call(`/api/tickets/${sms!.id}/messages`, { cookie: admin }), 200);
    expect(messages.map((message: MessageT) => message.body)).toEqual(["(empty message)"]);
  });
});
