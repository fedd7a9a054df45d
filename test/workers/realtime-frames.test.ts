// The realtime contract (spec "Realtime"), the frames a socket may send: error frames, rate
// limits, expiry, reads and typing.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Client, customerSocket, eventually, sleep } from "./helpers";
import { admin, adminAgent, barrier, chat, expectAck, framesAfter, history, msgSeqs, range, stubOf, twoSided, useRealtimeAdmin } from "./realtime-fixtures";

useRealtimeAdmin();

async function waitClosed(c: Client, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!c.closed && Date.now() < deadline) await sleep(20);
  expect(c.closed, `socket still open; frames: ${JSON.stringify(c.frames)}`).not.toBeNull();
}

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
    expect(await late.next()).toEqual({
      type: "hello",
      ticketId: ticket.id,
      status: "open",
      lastSeq: 2,
      reads: { customer: 2, agent: 2 },
      aiMode: "off",
      rating: null,
    });
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
