// The realtime contract (spec "Realtime"), messages: hello and replay, gap-free seq and
// idempotent sends.
import { describe, expect, it } from "vitest";
import { addAgent, agentSocket, Client, customerSocket, eventually, json, sendAndWait } from "./helpers";
import { admin, adminAgent, barrier, chat, expectAck, history, msgSeqs, range, restReply, twoSided, useRealtimeAdmin } from "./realtime-fixtures";

useRealtimeAdmin();

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
        { type: "hello", ticketId: ticket.id, status: "open", lastSeq: 4, reads, aiMode: "off", rating: null },
        ...log.filter((m) => m.seq > after).map((m) => ({ type: "message", ...m })),
        { type: "pong" },
      ];
      expect(s.frames, `after=${after}`).toEqual(expected);
      sockets.push({ s, after });
    }
    const agentLate = await agentSocket(ticket.id, admin, 2);
    await barrier(agentLate);
    expect(agentLate.frames).toEqual([
      { type: "hello", ticketId: ticket.id, status: "open", lastSeq: 4, reads, aiMode: "off", rating: null },
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
