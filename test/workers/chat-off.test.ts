// Web chat switched off (`webchatEnabled: false`) while a customer has a web chat open: their
// `send` frames are refused with an `error` frame `chat_disabled` (Parley's extension of the frame
// codes, docs/api.md) and nothing is stored, while agents may still reply and SMS tickets go on.
// A PATCH clears the settings cache of its own isolate, where the tests' objects run too, so the
// switch takes effect at once here (elsewhere within the cache's 10 seconds).
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageT } from "../../contract";
import { agentSocket, BASE, Client, call, customer, customerSocket, eventually, json, login, sendAndWait, startChat } from "./helpers";
import { signedTwilioRequest, wireScope } from "./wire-control";

let admin: string;

beforeAll(async () => {
  admin = await login();
});

const switchWebChat = async (webchatEnabled: boolean) =>
  expect((await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { webchatEnabled } }), 200)).webchatEnabled).toBe(webchatEnabled);

afterEach(async () => {
  await switchWebChat(true);
});

const history = async (ticketId: string) =>
  (await json<{ messages: MessageT[] }>(await call(`/api/tickets/${ticketId}/messages?limit=200`, { cookie: admin }), 200)).messages;

/** A ping the object itself answers, after every frame it sent this socket before. */
async function barrier(c: Client) {
  c.send(' {"type":"ping"}');
  await c.nextOfType("pong");
}

describe("web chat switched off during a chat", () => {
  it("refuses the customer's send with chat_disabled and stores nothing; agents still reply; switched on, the same clientId goes through", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const c = await customerSocket(ticket.id, shopper.token);
    await c.nextOfType("hello");
    expect(await sendAndWait(c, "c-1", "Where is my order?")).toEqual({ type: "ack", clientId: "c-1", seq: 1 });
    const a = await agentSocket(ticket.id, admin);
    await a.nextOfType("hello");
    const before = await history(ticket.id);

    await switchWebChat(false);
    const refused = await sendAndWait(c, "c-2", "Hello? Still there?");
    expect(refused).toEqual({ type: "error", code: "chat_disabled", message: expect.any(String), clientId: "c-2" });
    expect(refused.message.length).toBeGreaterThan(0);
    // With attachments or not, every new message is refused the same way; the socket stays open.
    c.send({ type: "send", clientId: "c-3", body: "Another one", attachments: [{ key: "0".repeat(32) }] });
    expect(await c.next((f) => f.clientId === "c-3")).toMatchObject({ type: "error", code: "chat_disabled" });
    // A message stored before the switch still gets its ack when sent again.
    expect(await sendAndWait(c, "c-1", "Where is my order?")).toEqual({ type: "ack", clientId: "c-1", seq: 1 });
    await barrier(c);
    await barrier(a);
    expect(c.closed).toBeNull();
    expect(c.frames.filter((f) => f.type === "ack" && f.clientId !== "c-1")).toEqual([]);
    expect([...c.messages(), ...a.messages()].filter((m) => m.clientId === "c-2" || m.clientId === "c-3")).toEqual([]);
    expect(await history(ticket.id)).toEqual(before);

    // Agents may still reply, on the socket and over REST; the customer reads them.
    expect(await sendAndWait(a, "a-1", "It ships tomorrow.")).toEqual({ type: "ack", clientId: "a-1", seq: 2 });
    const rest = await json(
      await call(`/api/tickets/${ticket.id}/messages`, { method: "POST", cookie: admin, json: { clientId: "r-1", body: "Tracking follows." } }),
      201,
    );
    expect(rest.message.seq).toBe(3);
    await eventually(async () => expect(c.messages().map((m) => m.seq)).toEqual([1, 2, 3]));

    // On again: the refused message is sent again with its clientId, and takes the next seq.
    await switchWebChat(true);
    expect(await sendAndWait(c, "c-2", "Hello? Still there?")).toEqual({ type: "ack", clientId: "c-2", seq: 4 });
    const after = await history(ticket.id);
    expect(after.map((m) => [m.seq, m.author.kind, m.clientId])).toEqual([
      [1, "customer", "c-1"],
      [2, "agent", "a-1"],
      [3, "agent", "r-1"],
      [4, "customer", "c-2"],
    ]);
    c.close();
    a.close();
  });
});

describe("SMS while web chat is off", () => {
  const wire = wireScope();
  const { accountSid, authToken } = wire.credentials.twilio;
  const STORE_NUMBER = "+15005550006";
  const phone = `+1555${String(Date.now() % 10_000_000).padStart(7, "0")}`;
  let sent = 0;

  /** A text from the customer's phone, as Twilio posts it (signed). */
  async function text(body: string) {
    const sid = `SM${crypto.randomUUID().replaceAll("-", "")}`;
    const params = { MessageSid: sid, SmsMessageSid: sid, AccountSid: accountSid, From: phone, To: STORE_NUMBER, Body: `${body} ${++sent}`, NumMedia: "0" };
    const response = await exports.default.fetch(await signedTwilioRequest(`${BASE}/api/sms/twilio`, params, authToken));
    expect(response.status, await response.text()).toBe(200);
    return { body: params.Body, sid };
  }

  const ticketOfSid = async (sid: string) =>
    (await env.DB.prepare("SELECT ticket_id AS id FROM sms_inbound WHERE sid = ?").bind(sid).first<{ id: string }>())?.id ?? null;

  it("goes on: the customer's texts land and agents reply", async () => {
    await json(
      await call("/api/settings", {
        method: "PATCH",
        cookie: admin,
        json: { sms: { enabled: true, accountSid, fromNumber: STORE_NUMBER, apiBaseUrl: wire.baseUrl.twilio } },
      }),
      200,
    );
    await json(await call("/api/credentials/twilio", { method: "PUT", cookie: admin, json: { value: authToken } }), 204);
    const ticketId = (await ticketOfSid((await text("Is my order on its way?")).sid))!;
    expect(ticketId).toBeTruthy();

    await switchWebChat(false);
    const second = await text("Hello?");
    expect(await ticketOfSid(second.sid)).toBe(ticketId);
    expect((await history(ticketId)).map((m) => m.body)).toContain(second.body);
    const reply = await json(
      await call(`/api/tickets/${ticketId}/messages`, { method: "POST", cookie: admin, json: { clientId: crypto.randomUUID(), body: "Yes, it ships today." } }),
      201,
    );
    expect(reply.message.author.kind).toBe("agent");
    expect((await history(ticketId)).map((m) => m.author.kind)).toEqual(["customer", "customer", "agent"]);
  });
});
