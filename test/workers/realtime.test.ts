// The realtime contract (spec "Realtime"): hello and replay, gap-free seq, idempotent sends,
// error frames, rate limits, expiry, reads, typing, closing, assignment, snooze and office hours.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { MessageT, TicketT } from "../../contract";
import {
  Client,
  addAgent,
  agentSocket,
  call,
  customer,
  customerSocket,
  eventually,
  expectError,
  json,
  login,
  seen,
  sendAndWait,
  sleep,
  startChat,
} from "./helpers";

// ---- local helpers ----------------------------------------------------------------------------

/**
 * A ping the runtime's auto-response does not match (leading space), so the ticket's object
 * itself answers it, in order with the frames before it. When its pong arrives, every frame the
 * object sent to this socket before handling it has arrived too.
 */
async function barrier(c: Client): Promise<void> {
  c.send(' {"type":"ping"}');
  await c.nextOfType("pong");
}

async function expectAck(c: Client, clientId: string, body: string, seq: number) {
  expect(await sendAndWait(c, clientId, body)).toEqual({ type: "ack", clientId, seq });
}

const framesAfter = (c: Client, from: number) => c.frames.slice(from);

const statusFrames = (c: Client, from = 0) => c.frames.slice(from).filter((f) => f.type === "status");
const msgSeqs = (c: Client) => c.messages().map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function history(ticketId: string, cookie: string): Promise<MessageT[]> {
  return (await json<{ messages: MessageT[] }>(await call(`/api/tickets/${ticketId}/messages?limit=200`, { cookie }), 200)).messages;
}

async function getTicket(ticketId: string, cookie: string): Promise<TicketT> {
  return (await json<{ ticket: TicketT }>(await call(`/api/tickets/${ticketId}`, { cookie }), 200)).ticket;
}

const restReply = (ticketId: string, cookie: string, clientId: string, body: string) =>
  call(`/api/tickets/${ticketId}/messages`, { method: "POST", cookie, json: { clientId, body } });

const patchTicket = (ticketId: string, cookie: string, patch: unknown) => call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie, json: patch });

const stubOf = (ticketId: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticketId));

async function waitClosed(c: Client, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!c.closed && Date.now() < deadline) await sleep(20);
  expect(c.closed, `socket still open; frames: ${JSON.stringify(c.frames)}`).not.toBeNull();
}

let admin: string;
let adminAgent: { id: string; name: string };

beforeAll(async () => {
  admin = await login();
  adminAgent = (await json(await call("/api/me", { cookie: admin }), 200)).agent;
});

/** A fresh customer with a fresh ticket and a connected customer socket (hello taken). */
async function chat() {
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const c = await customerSocket(ticket.id, shopper.token);
  expect(await c.nextOfType("hello")).toEqual({
    type: "hello",
    ticketId: ticket.id,
    status: "open",
    lastSeq: 0,
    reads: { customer: 0, agent: 0 },
    aiMode: null,
  });
  return { shopper, ticket, c };
}

/** chat() plus a first customer message (so agents can see the ticket) and an agent socket. */
async function twoSided() {
  const base = await chat();
  await expectAck(base.c, "c-first", "Hello there", 1);
  const a = await agentSocket(base.ticket.id, admin);
  await a.nextOfType("hello");
  await a.next((f) => f.type === "message" && f.seq === 1);
  return { ...base, a };
}

// ---- connect: hello, replay, live -------------------------------------------------------------

describe("connecting", () => {
  it("sends hello first, then every message with seq > after in order, then live frames", async () => {
    const { shopper, ticket, c, a } = await twoSided();
    await expectAck(a, "a-1", "Agent over WebSocket", 2);
    await expectAck(c, "c-2", "Customer again", 3);
    const rest = await json(await restReply(ticket.id, admin, "r-1", "Agent over REST"), 201);
    expect(rest.message.seq).toBe(4);
    await c.next((f) => f.type === "message" && f.seq === 4);

    const log = await history(ticket.id, admin);
    expect(log.map((m) => m.seq)).toEqual([1, 2, 3, 4]);

    const reads = { customer: 0, agent: 4 }; // replying is reading for the agent
    const sockets: Array<{ s: Client; after: number }> = [];
    for (const after of [0, 2, 4]) {
      const s = await customerSocket(ticket.id, shopper.token, after);
      await barrier(s);
      const expected = [
        { type: "hello", ticketId: ticket.id, status: "open", lastSeq: 4, reads, aiMode: "off" },
        ...log.filter((m) => m.seq > after).map((m) => ({ type: "message", ...m })),
        { type: "pong" },
      ];
      expect(s.frames, `after=${after}`).toEqual(expected);
      sockets.push({ s, after });
    }
    const agentLate = await agentSocket(ticket.id, admin, 2);
    await barrier(agentLate);
    expect(agentLate.frames).toEqual([
      { type: "hello", ticketId: ticket.id, status: "open", lastSeq: 4, reads, aiMode: "off" },
      ...log.slice(2).map((m) => ({ type: "message", ...m })),
      { type: "pong" },
    ]);

    // Live: the next message is the next frame on every socket, including the late ones.
    await expectAck(c, "c-live", "Live message", 5);
    for (const { s } of [...sockets, { s: agentLate }]) {
      const next = await s.next();
      expect(next).toMatchObject({ type: "message", seq: 5, clientId: "c-live", body: "Live message", author: { kind: "customer", id: shopper.profileId } });
    }
    for (const s of [c, a, agentLate, ...sockets.map((x) => x.s)]) s.close();
  });

  it('answers {"type":"ping"} with exactly {"type":"pong"}', async () => {
    const { c } = await chat();
    c.send({ type: "ping" });
    expect(await c.next()).toEqual({ type: "pong" });
    c.send('{"type":"ping"}');
    expect(await c.next()).toEqual({ type: "pong" });
    c.close();
  });
});

// ---- seq --------------------------------------------------------------------------------------

describe("seq", () => {
  it("has no gaps across customer, agent WebSocket and agent REST messages, and everyone sees one order", async () => {
    const { ticket, c, a } = await twoSided();
    await expectAck(a, "a-1", "ws reply", 2);
    expect((await json(await restReply(ticket.id, admin, "r-1", "rest reply"), 201)).message).toMatchObject({
      seq: 3,
      clientId: "r-1",
      author: { kind: "agent", id: adminAgent.id },
    });
    await expectAck(c, "c-2", "customer", 4);
    expect((await json(await restReply(ticket.id, admin, "r-2", "rest reply 2"), 201)).message.seq).toBe(5);
    await expectAck(a, "a-2", "ws reply 2", 6);
    await barrier(c);
    await barrier(a);

    const log = await history(ticket.id, admin);
    expect(log.map((m) => m.seq)).toEqual(range(1, 6));
    expect(log.map((m) => m.author.kind)).toEqual(["customer", "agent", "agent", "customer", "agent", "agent"]);
    expect(msgSeqs(c)).toEqual(range(1, 6));
    expect(msgSeqs(a)).toEqual(range(1, 6));
    expect(c.messages()).toEqual(log.map((m) => ({ type: "message", ...m })));
    expect(a.messages()).toEqual(log.map((m) => ({ type: "message", ...m })));
    c.close();
    a.close();
  });

  it("keeps one order when customer and agent race 30 sends each from two sockets", async () => {
    const { ticket, c } = await chat();
    // The agent needs a visible ticket: the customer writes first, then both race.
    await expectAck(c, "c-0", "start", 1);
    const a = await agentSocket(ticket.id, admin, 1);
    await a.nextOfType("hello");
    for (let i = 1; i <= 30; i++) {
      c.send({ type: "send", clientId: `c-${i}`, body: `customer ${i}` });
      a.send({ type: "send", clientId: `a-${i}`, body: `agent ${i}` });
    }
    await eventually(async () => {
      expect(c.frames.filter((f) => f.type === "ack").length).toBe(30 + 1);
      expect(a.frames.filter((f) => f.type === "ack").length).toBe(30);
      expect(c.messages().length).toBe(61);
      expect(a.messages().length).toBe(60);
    }, 10_000);
    expect(c.frames.filter((f) => f.type === "error")).toEqual([]);
    expect(a.frames.filter((f) => f.type === "error")).toEqual([]);

    const seenByCustomer = c.messages().filter((m) => m.seq > 1);
    const seenByAgent = a.messages();
    expect(seenByCustomer.map((m) => m.seq)).toEqual(range(2, 61));
    expect(seenByAgent).toEqual(seenByCustomer);

    for (const s of [c, a]) {
      for (const ack of s.frames.filter((f) => f.type === "ack")) {
        const message = c.messages().find((m) => m.clientId === ack.clientId);
        expect(message, `message for ${ack.clientId}`).toBeDefined();
        expect(ack.seq).toBe(message!.seq);
      }
    }
    // Each socket's sends are stored in the order it sent them.
    const order = (prefix: string) => seenByCustomer.filter((m) => m.clientId!.startsWith(prefix)).map((m) => Number(m.clientId!.slice(2)));
    expect(order("c-")).toEqual(range(1, 30));
    expect(order("a-")).toEqual(range(1, 30));

    const log = await history(ticket.id, admin);
    expect(log.map((m) => m.seq)).toEqual(range(1, 61));
    expect(log.map((m) => m.id)).toEqual(c.messages().map((m) => m.id));
    c.close();
    a.close();
  });
});

// ---- idempotency ------------------------------------------------------------------------------

describe("idempotent sends", () => {
  it("answers a repeated clientId with the same ack, without a second message", async () => {
    const { ticket, c, a } = await twoSided();
    // Same clientId again (even with another body): same ack, nothing new.
    expect(await sendAndWait(c, "c-first", "Hello there")).toEqual({ type: "ack", clientId: "c-first", seq: 1 });
    expect(await sendAndWait(c, "c-first", "a different body")).toEqual({ type: "ack", clientId: "c-first", seq: 1 });
    await expectAck(a, "a-1", "reply", 2);
    expect(await sendAndWait(a, "a-1", "reply")).toEqual({ type: "ack", clientId: "a-1", seq: 2 });
    await barrier(c);
    await barrier(a);
    expect(msgSeqs(c)).toEqual([1, 2]);
    expect(msgSeqs(a)).toEqual([1, 2]);
    const log = await history(ticket.id, admin);
    expect(log.map((m) => [m.seq, m.clientId, m.body])).toEqual([
      [1, "c-first", "Hello there"],
      [2, "a-1", "reply"],
    ]);
    c.close();
    a.close();
  });

  it("answers a repeated REST clientId with 200 and the same message", async () => {
    const { ticket, c, a } = await twoSided();
    const first = await json(await restReply(ticket.id, admin, "r-1", "over REST"), 201);
    expect(first.message).toMatchObject({ seq: 2, clientId: "r-1", body: "over REST", author: { kind: "agent", id: adminAgent.id, name: adminAgent.name } });
    const again = await json(await restReply(ticket.id, admin, "r-1", "over REST"), 200);
    expect(again.message).toEqual(first.message);
    // A clientId the same agent first used over the WebSocket is a duplicate over REST as well.
    await expectAck(a, "a-1", "over ws", 3);
    const viaRest = await json(await restReply(ticket.id, admin, "a-1", "over ws"), 200);
    expect(viaRest.message).toMatchObject({ seq: 3, clientId: "a-1", body: "over ws" });
    // ...and a REST clientId repeated over the WebSocket gets the original ack.
    expect(await sendAndWait(a, "r-1", "over REST")).toEqual({ type: "ack", clientId: "r-1", seq: 2 });

    await barrier(c);
    await barrier(a);
    expect(msgSeqs(c)).toEqual([1, 2, 3]);
    expect(msgSeqs(a)).toEqual([1, 2, 3]);
    expect((await history(ticket.id, admin)).map((m) => m.seq)).toEqual([1, 2, 3]);
    c.close();
    a.close();
  });

  it("refuses a clientId that another sender already used with invalid_frame", async () => {
    const { ticket, c, a } = await twoSided();
    expect(await sendAndWait(a, "c-first", "stolen id")).toMatchObject({ type: "error", code: "invalid_frame", clientId: "c-first" });
    await expectAck(a, "a-1", "mine", 2);
    expect(await sendAndWait(c, "a-1", "stolen by the customer")).toMatchObject({ type: "error", code: "invalid_frame", clientId: "a-1" });

    // Another agent reusing the first agent's clientId is another sender too.
    const other = await addAgent(admin);
    const b = await agentSocket(ticket.id, other.cookie, 2);
    await b.nextOfType("hello");
    expect(await sendAndWait(b, "a-1", "mine too")).toMatchObject({ type: "error", code: "invalid_frame", clientId: "a-1" });

    await barrier(c);
    await barrier(a);
    expect(msgSeqs(c)).toEqual([1, 2]);
    expect(msgSeqs(a)).toEqual([1, 2]);
    expect((await history(ticket.id, admin)).map((m) => [m.clientId, m.body])).toEqual([
      ["c-first", "Hello there"],
      ["a-1", "mine"],
    ]);
    // Still open: the refusal did not close anything.
    for (const s of [a, b, c]) {
      expect(s.closed).toBeNull();
      s.close();
    }
  });
});

// ---- frame errors -----------------------------------------------------------------------------

describe("error frames", () => {
  const cases: Array<{ name: string; frame: string | (() => string); code: string; clientId?: string }> = [
    { name: "not JSON", frame: "this is not json", code: "invalid_frame" },
    { name: "truncated JSON", frame: '{"type":"send",', code: "invalid_frame" },
    { name: "unknown type", frame: JSON.stringify({ type: "shout" }), code: "invalid_frame" },
    { name: "no type", frame: JSON.stringify({ clientId: "x", body: "y" }), code: "invalid_frame" },
    { name: "empty body", frame: JSON.stringify({ type: "send", clientId: "e-empty", body: "" }), code: "invalid_frame", clientId: "e-empty" },
    { name: "whitespace body", frame: JSON.stringify({ type: "send", clientId: "e-ws", body: "  \n\t  " }), code: "invalid_frame", clientId: "e-ws" },
    { name: "missing clientId", frame: JSON.stringify({ type: "send", body: "hi" }), code: "invalid_frame" },
    { name: "body of 4001 chars", frame: JSON.stringify({ type: "send", clientId: "e-long", body: "x".repeat(4001) }), code: "too_large", clientId: "e-long" },
    { name: "send frame over 64 KiB", frame: JSON.stringify({ type: "send", clientId: "e-huge", body: "x".repeat(70 * 1024) }), code: "too_large" },
    { name: "ping frame padded over 64 KiB", frame: JSON.stringify({ type: "ping", pad: "x".repeat(65 * 1024) }), code: "too_large" },
    { name: "frame over 64 KiB in multi-byte characters", frame: JSON.stringify({ type: "ping", pad: "€".repeat(22_000) }), code: "too_large" },
    { name: "frame of 2 MiB", frame: () => JSON.stringify({ type: "send", clientId: "e-2mib", body: "z".repeat(2 * 1024 * 1024) }), code: "too_large" },
    { name: "read with a non-number seq", frame: JSON.stringify({ type: "read", seq: "one" }), code: "invalid_frame" },
  ];

  it.each(cases)("$name → $code, and the socket stays open", async ({ frame, code, clientId }) => {
    const { ticket, c, a } = await twoSided();
    c.send(typeof frame === "function" ? frame() : frame);
    const error = await c.nextOfType("error");
    expect(error).toMatchObject({ type: "error", code, message: expect.any(String) });
    expect(error.message.length).toBeGreaterThan(0);
    if (clientId) expect(error.clientId).toBe(clientId);
    // Still open and still serving: the runtime ping and an ordinary send both work.
    c.send({ type: "ping" });
    expect(await c.nextOfType("pong")).toEqual({ type: "pong" });
    await expectAck(c, "after-error", "still here", 2);
    expect(c.closed).toBeNull();
    // Nothing was stored and the agent saw nothing of the refused frame.
    await barrier(a);
    expect(a.frames.filter((f) => f.type === "error")).toEqual([]);
    expect(msgSeqs(a)).toEqual([1, 2]);
    expect((await history(ticket.id, admin)).map((m) => m.clientId)).toEqual(["c-first", "after-error"]);
    c.close();
    a.close();
  });

  it("accepts a body of exactly 4000 characters (after trimming)", async () => {
    const { c } = await chat();
    const body = "y".repeat(4000);
    await expectAck(c, "c-4000", `  ${body}  `, 1);
    expect(c.messages()[0]!.body).toBe(body);
    c.close();
  });

  it("refuses a binary frame with invalid_frame and stays open", async () => {
    const { c } = await chat();
    c.ws.send(new TextEncoder().encode('{"type":"ping"}'));
    expect(await c.nextOfType("error")).toMatchObject({ type: "error", code: "invalid_frame" });
    await barrier(c);
    expect(c.closed).toBeNull();
    c.close();
  });
});

// ---- rate limit -------------------------------------------------------------------------------

describe("send rate limit", () => {
  it("answers a burst beyond the budget with rate_limited errors carrying the clientId, and stays open", async () => {
    const { ticket, c } = await chat();
    const burst = 90;
    for (let i = 1; i <= burst; i++) c.send({ type: "send", clientId: `burst-${i}`, body: `message ${i}` });
    const answers = await eventually(async () => {
      const got = c.frames.filter((f) => f.type === "ack" || f.type === "error");
      expect(got.length).toBe(burst);
      return got;
    }, 10_000);
    const limited = answers.filter((f) => f.type === "error");
    const acked = answers.filter((f) => f.type === "ack");
    expect(limited.length).toBeGreaterThanOrEqual(1);
    for (const error of limited) expect(error).toMatchObject({ type: "error", code: "rate_limited", clientId: expect.stringMatching(/^burst-\d+$/) });
    // The budget is 60 per 10 s per socket: at least the first 60 go through.
    expect(acked.length).toBeGreaterThanOrEqual(60);
    expect(new Set(answers.map((f) => f.clientId)).size).toBe(burst);

    c.send({ type: "ping" });
    expect(await c.nextOfType("pong")).toEqual({ type: "pong" });
    expect(c.closed).toBeNull();

    // Exactly the acked sends were stored, with their acked seqs and no gaps.
    const log = await history(ticket.id, admin);
    expect(log.map((m) => m.seq)).toEqual(range(1, acked.length));
    expect(new Set(log.map((m) => m.clientId))).toEqual(new Set(acked.map((f) => f.clientId)));
    for (const ack of acked) expect(log.find((m) => m.clientId === ack.clientId)!.seq).toBe(ack.seq);
    c.close();
  });
});

// ---- expired credentials ----------------------------------------------------------------------

describe("expired sessions", () => {
  it("answers a send on an expired socket with unauthorized and closes it", async () => {
    const { ticket, c, a } = await twoSided();
    const stub = stubOf(ticket.id);
    const rewritten = await runInDurableObject(stub, (_instance, state) => {
      const sockets = state.getWebSockets();
      for (const ws of sockets) ws.serializeAttachment({ ...(ws.deserializeAttachment() as object), expiresAt: 0 });
      return sockets.length;
    });
    expect(rewritten).toBe(2);

    c.send({ type: "send", clientId: "c-expired", body: "am I still in?" });
    expect(await c.nextOfType("error")).toMatchObject({ type: "error", code: "unauthorized", message: expect.any(String) });
    await waitClosed(c);

    a.send({ type: "send", clientId: "a-expired", body: "me neither" });
    expect(await a.nextOfType("error")).toMatchObject({ type: "error", code: "unauthorized", message: expect.any(String) });
    await waitClosed(a);

    expect((await history(ticket.id, admin)).map((m) => m.clientId)).toEqual(["c-first"]);
  });
});

// ---- reads and typing -------------------------------------------------------------------------

describe("read receipts", () => {
  it("records reads per side, refuses reads beyond lastSeq and ignores lower ones", async () => {
    const { shopper, ticket, c, a } = await twoSided();
    await expectAck(c, "c-2", "second", 2);
    await a.next((f) => f.type === "message" && f.seq === 2);

    // Beyond the newest message: refused, nothing recorded.
    let mark = a.frames.length;
    c.send({ type: "read", seq: 3 });
    expect(await c.nextOfType("error")).toMatchObject({ type: "error", code: "invalid_frame" });
    await barrier(c);
    await barrier(a);
    expect(framesAfter(a, mark)).toEqual([{ type: "pong" }]);

    // The customer reads 2: the agent is told.
    c.send({ type: "read", seq: 2 });
    expect(await a.nextOfType("read")).toEqual({ type: "read", by: "customer", seq: 2 });

    // Lower or equal reads change nothing and send nothing.
    mark = a.frames.length;
    const cMark = c.frames.length;
    c.send({ type: "read", seq: 1 });
    c.send({ type: "read", seq: 2 });
    await barrier(c);
    await barrier(a);
    expect(framesAfter(a, mark)).toEqual([{ type: "pong" }]);
    expect(framesAfter(c, cMark)).toEqual([{ type: "pong" }]);

    // The agent's reads are its own.
    a.send({ type: "read", seq: 1 });
    expect(await c.nextOfType("read")).toEqual({ type: "read", by: "agent", seq: 1 });
    a.send({ type: "read", seq: 5 });
    expect(await a.nextOfType("error")).toMatchObject({ type: "error", code: "invalid_frame" });
    a.send({ type: "read", seq: 2 });
    expect(await c.nextOfType("read")).toEqual({ type: "read", by: "agent", seq: 2 });
    const cMark2 = c.frames.length;
    a.send({ type: "read", seq: 1 });
    await barrier(a);
    await barrier(c);
    expect(framesAfter(c, cMark2)).toEqual([{ type: "pong" }]);

    // A new socket's hello carries both sides' reads.
    const late = await customerSocket(ticket.id, shopper.token, 2);
    expect(await late.next()).toEqual({ type: "hello", ticketId: ticket.id, status: "open", lastSeq: 2, reads: { customer: 2, agent: 2 }, aiMode: "off" });
    for (const s of [c, a, late]) s.close();
  });
});

describe("typing", () => {
  it("goes to the other side only, with by and name", async () => {
    const { shopper, c, a } = await twoSided();
    const cMark = c.frames.length;
    c.send({ type: "typing" });
    expect(await a.nextOfType("typing")).toEqual({ type: "typing", by: "customer", name: shopper.name });
    await barrier(c);
    expect(framesAfter(c, cMark)).toEqual([{ type: "pong" }]);

    const aMark = a.frames.length;
    a.send({ type: "typing" });
    expect(await c.nextOfType("typing")).toEqual({ type: "typing", by: "agent", name: adminAgent.name });
    await barrier(a);
    expect(framesAfter(a, aMark)).toEqual([{ type: "pong" }]);
    c.close();
    a.close();
  });
});

// ---- ending -----------------------------------------------------------------------------------

describe("ending a chat", () => {
  it("refuses end from an agent with invalid_frame and leaves the ticket open", async () => {
    const { ticket, c, a } = await twoSided();
    const cMark = c.frames.length;
    a.send({ type: "end" });
    expect(await a.nextOfType("error")).toMatchObject({ type: "error", code: "invalid_frame" });
    await barrier(a);
    await barrier(c);
    expect(framesAfter(c, cMark)).toEqual([{ type: "pong" }]);
    expect((await getTicket(ticket.id, admin)).status).toBe("open");
    await expectAck(a, "a-after-end", "still open", 2);
    c.close();
    a.close();
  });

  it("closes on the customer's end: status to everyone, then nothing more from anyone, and a new chat is a new ticket", async () => {
    const { shopper, ticket, c, a } = await twoSided();
    c.send({ type: "end" });
    for (const s of [c, a]) {
      await seen(s, (f) => f.type === "status");
      await barrier(s);
      expect(statusFrames(s)).toEqual([{ type: "status", status: "closed", assigneeId: null }]);
    }

    expect(await sendAndWait(c, "c-late", "wait, one more thing")).toMatchObject({ type: "error", code: "conversation_closed", clientId: "c-late" });
    expect(await sendAndWait(a, "a-late", "too late")).toMatchObject({ type: "error", code: "conversation_closed", clientId: "a-late" });
    await expectError(await restReply(ticket.id, admin, "r-late", "too late"), 409, "conversation_closed");
    await expectError(await patchTicket(ticket.id, admin, { status: "open" }), 409, "conversation_closed");
    await expectError(
      await patchTicket(ticket.id, admin, { status: "snoozed", snoozeUntil: new Date(Date.now() + 3_600_000).toISOString() }),
      409,
      "conversation_closed",
    );
    // The sockets stay open for the refusals.
    c.send({ type: "ping" });
    expect(await c.nextOfType("pong")).toEqual({ type: "pong" });

    const closed = await getTicket(ticket.id, admin);
    expect(closed).toMatchObject({ id: ticket.id, status: "closed", closedAt: expect.any(String) });
    expect((await history(ticket.id, admin)).map((m) => m.clientId)).toEqual(["c-first"]);
    await barrier(a);
    expect(msgSeqs(a)).toEqual([1]);

    // A new chat by the same customer is a new ticket.
    const again = await json<{ ticket: TicketT }>(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 201);
    expect(again.ticket.id).not.toBe(ticket.id);
    expect(again.ticket).toMatchObject({ status: "open", profileId: shopper.profileId });
    const active = await json<{ ticket: TicketT }>(await call("/api/widget/conversations/active", { token: shopper.token }), 200);
    expect(active.ticket.id).toBe(again.ticket.id);
    // And the closed one stays closed.
    expect((await getTicket(ticket.id, admin)).status).toBe("closed");
    c.close();
    a.close();
  });
});

describe("closing from the inbox", () => {
  it("closes on PATCH status closed: a status frame to both sides, then every send is refused", async () => {
    const { ticket, c, a } = await twoSided();
    const patched = await json(await patchTicket(ticket.id, admin, { status: "closed" }), 200);
    expect(patched.ticket).toMatchObject({ id: ticket.id, status: "closed", closedAt: expect.any(String) });
    for (const s of [c, a]) {
      await seen(s, (f) => f.type === "status");
      await barrier(s);
      expect(statusFrames(s)).toEqual([{ type: "status", status: "closed", assigneeId: null }]);
    }
    expect(await sendAndWait(c, "c-late", "hello?")).toMatchObject({ type: "error", code: "conversation_closed", clientId: "c-late" });
    expect(await sendAndWait(a, "a-late", "bye")).toMatchObject({ type: "error", code: "conversation_closed", clientId: "a-late" });
    await expectError(await patchTicket(ticket.id, admin, { status: "open" }), 409, "conversation_closed");
    expect((await history(ticket.id, admin)).map((m) => m.clientId)).toEqual(["c-first"]);
    c.close();
    a.close();
  });
});

// ---- assignment -------------------------------------------------------------------------------

describe("assignment", () => {
  it("assigns an unassigned ticket to the agent who replies, and never steals an assigned one", async () => {
    const { ticket, c, a } = await twoSided();
    await expectAck(a, "a-1", "I've got this", 2);
    await barrier(c);
    await barrier(a);
    expect(statusFrames(c)).toEqual([{ type: "status", status: "open", assigneeId: adminAgent.id }]);
    expect(statusFrames(a)).toEqual([{ type: "status", status: "open", assigneeId: adminAgent.id }]);

    const other = await addAgent(admin);
    const cMark = c.frames.length;
    const reply = await json(await restReply(ticket.id, other.cookie, "b-1", "me too"), 201);
    expect(reply.message).toMatchObject({ seq: 3, author: { kind: "agent", id: other.agent.id } });
    await seen(c, (f) => f.type === "message" && f.seq === 3, cMark);
    await barrier(c);
    expect(statusFrames(c, cMark)).toEqual([]);
    expect((await getTicket(ticket.id, admin)).assigneeId).toBe(adminAgent.id);
    c.close();
    a.close();
  });

  it("assigns on a REST reply too", async () => {
    const { ticket, c } = await chat();
    await expectAck(c, "c-1", "hi", 1);
    const other = await addAgent(admin);
    await json(await restReply(ticket.id, other.cookie, "b-1", "hello from REST"), 201);
    await seen(c, (f) => f.type === "status");
    await barrier(c);
    expect(statusFrames(c)).toEqual([{ type: "status", status: "open", assigneeId: other.agent.id }]);
    expect((await getTicket(ticket.id, admin)).assigneeId).toBe(other.agent.id);
    c.close();
  });

  it("reassigns with PATCH assigneeId and refuses an unknown agent", async () => {
    const { ticket, c, a } = await twoSided();
    const other = await addAgent(admin);
    const patched = await json(await patchTicket(ticket.id, admin, { assigneeId: other.agent.id }), 200);
    expect(patched.ticket).toMatchObject({ id: ticket.id, status: "open", assigneeId: other.agent.id });
    for (const s of [c, a]) {
      await seen(s, (f) => f.type === "status");
      await barrier(s);
      expect(statusFrames(s)).toEqual([{ type: "status", status: "open", assigneeId: other.agent.id }]);
    }

    const cMark = c.frames.length;
    const error = await expectError(await patchTicket(ticket.id, admin, { assigneeId: "agt_does_not_exist" }), 400, "invalid_request");
    expect(error.message).toContain("assigneeId");
    await barrier(c);
    expect(framesAfter(c, cMark)).toEqual([{ type: "pong" }]);
    expect((await getTicket(ticket.id, admin)).assigneeId).toBe(other.agent.id);

    await json(await patchTicket(ticket.id, admin, { assigneeId: null }), 200);
    expect(await seen(c, (f) => f.type === "status", cMark)).toEqual({ type: "status", status: "open", assigneeId: null });
    expect((await getTicket(ticket.id, admin)).assigneeId).toBeNull();
    c.close();
    a.close();
  });
});

// ---- snooze -----------------------------------------------------------------------------------

describe("snooze", () => {
  it("validates snoozeUntil, snoozes with a status frame, and wakes when the customer writes", async () => {
    const { ticket, c, a } = await twoSided();
    const cMark = c.frames.length;
    const past = await expectError(
      await patchTicket(ticket.id, admin, { status: "snoozed", snoozeUntil: new Date(Date.now() - 60_000).toISOString() }),
      400,
      "invalid_request",
    );
    expect(past.message).toContain("snoozeUntil");
    const missing = await expectError(await patchTicket(ticket.id, admin, { status: "snoozed" }), 400, "invalid_request");
    expect(missing.message).toContain("snoozeUntil");
    await barrier(c);
    expect(framesAfter(c, cMark)).toEqual([{ type: "pong" }]);
    expect((await getTicket(ticket.id, admin)).status).toBe("open");

    const until = new Date(Date.now() + 3_600_000).toISOString();
    const snoozed = await json(await patchTicket(ticket.id, admin, { status: "snoozed", snoozeUntil: until }), 200);
    expect(snoozed.ticket).toMatchObject({ status: "snoozed", snoozeUntil: until });
    for (const s of [c, a]) {
      await seen(s, (f) => f.type === "status");
      await barrier(s);
      expect(statusFrames(s)).toEqual([{ type: "status", status: "snoozed", assigneeId: null }]);
    }
    expect(await getTicket(ticket.id, admin)).toMatchObject({ status: "snoozed", snoozeUntil: until });

    await expectAck(c, "c-wake", "are you there?", 2);
    for (const s of [c, a]) {
      await seen(s, (f) => f.type === "status" && f.status === "open");
      await barrier(s);
      expect(statusFrames(s)).toEqual([
        { type: "status", status: "snoozed", assigneeId: null },
        { type: "status", status: "open", assigneeId: null },
      ]);
    }
    expect(await getTicket(ticket.id, admin)).toMatchObject({ status: "open", snoozeUntil: null });
    c.close();
    a.close();
  });

  it("wakes by itself when snoozeUntil passes", async () => {
    const { ticket, c, a } = await twoSided();
    const wakeAt = Date.now() + 1500;
    const until = new Date(wakeAt).toISOString();
    await json(await patchTicket(ticket.id, admin, { status: "snoozed", snoozeUntil: until }), 200);
    await seen(c, (f) => f.type === "status");
    expect((await getTicket(ticket.id, admin)).status).toBe("snoozed");

    await sleep(wakeAt - Date.now() + 200);
    // Runs the alarm now if it has not fired on its own yet (it may first be the D1 write's turn).
    const stub = stubOf(ticket.id);
    for (let i = 0; i < 3 && !c.frames.some((f) => f.type === "status" && f.status === "open"); i++) {
      await runDurableObjectAlarm(stub);
      await sleep(50);
    }
    for (const s of [c, a]) {
      await seen(s, (f) => f.type === "status" && f.status === "open");
      expect(statusFrames(s)).toEqual([
        { type: "status", status: "snoozed", assigneeId: null },
        { type: "status", status: "open", assigneeId: null },
      ]);
    }
    expect(await getTicket(ticket.id, admin)).toMatchObject({ status: "open", snoozeUntil: null });
    // The inbox index (D1) catches up too.
    await eventually(async () => {
      const page = await json(await call("/api/tickets?status=open&limit=100", { cookie: admin }), 200);
      expect(page.tickets.find((t: TicketT) => t.id === ticket.id)).toMatchObject({ status: "open", snoozeUntil: null });
    });
    c.close();
    a.close();
  });
});

// ---- office hours (last: settings are shared by the whole file) --------------------------------

describe("office hours", () => {
  it("answers the first customer message of a closed period with one bot message, in the same seq order", async () => {
    // Set before the ticket's first message: each ticket's object caches settings briefly.
    const settings = await json(
      await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: true, weekly: [], closedMessage: "We are away" } } }),
      200,
    );
    expect(settings.officeHours).toMatchObject({ enabled: true, weekly: [], closedMessage: "We are away" });
    try {
      const { ticket, c } = await chat();
      await expectAck(c, "c-1", "anyone there?", 1);
      const bot = await c.next((f) => f.type === "message" && f.seq === 2);
      expect(bot).toMatchObject({ type: "message", seq: 2, body: "We are away", author: { kind: "bot" }, attachments: [] });

      const a = await agentSocket(ticket.id, admin);
      await a.nextOfType("hello");
      await expectAck(c, "c-2", "hello?", 3);
      // Give a second reply every chance to appear before checking that none did.
      await sleep(500);
      await barrier(c);
      expect(msgSeqs(c)).toEqual([1, 2, 3]);

      await expectAck(a, "a-1", "Back now", 4);
      expect((await json(await restReply(ticket.id, admin, "r-1", "And over REST"), 201)).message.seq).toBe(5);
      await expectAck(c, "c-3", "great", 6);
      await sleep(300);
      await barrier(c);
      await barrier(a);
      const log = await history(ticket.id, admin);
      expect(log.map((m) => m.seq)).toEqual(range(1, 6));
      expect(log.map((m) => m.author.kind)).toEqual(["customer", "bot", "customer", "agent", "agent", "customer"]);
      expect(c.messages()).toEqual(log.map((m) => ({ type: "message", ...m })));
      expect(a.messages()).toEqual(log.map((m) => ({ type: "message", ...m })));
      c.close();
      a.close();
    } finally {
      await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: false } } }), 200);
    }
  });

  it("sends exactly one bot message for a burst of customer messages in a closed period", async () => {
    await json(
      await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: true, weekly: [], closedMessage: "We are away" } } }),
      200,
    );
    try {
      const { ticket, c } = await chat();
      for (let i = 1; i <= 5; i++) c.send({ type: "send", clientId: `burst-${i}`, body: `message ${i}` });
      await eventually(async () => expect(c.frames.filter((f) => f.type === "ack")).toHaveLength(5));
      await seen(c, (f) => f.type === "message" && f.author.kind === "bot");
      await sleep(500);
      await barrier(c);
      const log = await history(ticket.id, admin);
      expect(log.map((m) => m.seq)).toEqual(range(1, 6));
      const bots = log.filter((m) => m.author.kind === "bot");
      expect(bots).toHaveLength(1);
      expect(bots[0]).toMatchObject({ body: "We are away", clientId: null });
      expect(bots[0]!.seq).toBeGreaterThan(1);
      expect(c.messages()).toEqual(log.map((m) => ({ type: "message", ...m })));
      c.close();
    } finally {
      await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: false } } }), 200);
    }
  });

  it("sends no bot message while office hours are off", async () => {
    const settings = await json(
      await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: false, weekly: [], closedMessage: "We are away" } } }),
      200,
    );
    expect(settings.officeHours.enabled).toBe(false);
    const { ticket, c } = await chat();
    await expectAck(c, "c-1", "anyone there?", 1);
    await sleep(500);
    await barrier(c);
    expect(msgSeqs(c)).toEqual([1]);
    expect((await history(ticket.id, admin)).map((m) => m.author.kind)).toEqual(["customer"]);
    c.close();
  });
});
