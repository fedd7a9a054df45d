// A ticket's Durable Object evicted mid-conversation: hibernated sockets keep working; closed
// sockets resume with `after` and lose nothing, duplicate nothing, and resent clientIds get
// their original ack. The log stays 1..N with no gaps.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { MessageT } from "../../contract";
import { Client, agentSocket, call, customer, customerSocket, json, login, seen, sendAndWait, sleep, startChat } from "./helpers";

const stubOf = (ticketId: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticketId));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const msgSeqs = (c: Client) => c.messages().map((m) => m.seq);

/** A ping the object itself answers (not the runtime's auto-response), in order with earlier frames. */
async function barrier(c: Client) {
  c.send(' {"type":"ping"}');
  await c.nextOfType("pong");
}

async function waitClosed(c: Client, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!c.closed && Date.now() < deadline) await sleep(20);
  expect(c.closed, `socket still open; frames: ${JSON.stringify(c.frames)}`).not.toBeNull();
}

async function history(ticketId: string, cookie: string): Promise<MessageT[]> {
  return (await json<{ messages: MessageT[] }>(await call(`/api/tickets/${ticketId}/messages?limit=200`, { cookie }), 200)).messages;
}

const restReply = (ticketId: string, cookie: string, clientId: string, body: string) =>
  call(`/api/tickets/${ticketId}/messages`, { method: "POST", cookie, json: { clientId, body } });

/** Every message frame a client saw, across all of its sockets, must be unique per seq. */
function expectNoDuplicates(frames: any[]) {
  const seqs = frames.filter((f) => f.type === "message").map((f) => f.seq);
  expect(new Set(seqs).size).toBe(seqs.length);
}

let admin: string;

beforeAll(async () => {
  admin = await login();
});

async function twoSided() {
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const c = await customerSocket(ticket.id, shopper.token);
  await c.nextOfType("hello");
  expect(await sendAndWait(c, "c-1", "Hi, my parcel is late")).toEqual({ type: "ack", clientId: "c-1", seq: 1 });
  const a = await agentSocket(ticket.id, admin);
  await a.nextOfType("hello");
  await seen(a, (f) => f.type === "message" && f.seq === 1);
  expect(await sendAndWait(a, "a-1", "Let me check")).toEqual({ type: "ack", clientId: "a-1", seq: 2 });
  await seen(c, (f) => f.type === "message" && f.seq === 2);
  return { shopper, ticket, c, a, stub: stubOf(ticket.id) };
}

describe("eviction with hibernated sockets", () => {
  it("keeps both sockets usable: the next sends continue at the next seq and both sides receive", async () => {
    const { ticket, c, a, stub } = await twoSided();
    await barrier(c);
    await barrier(a);
    const cMark = c.frames.length;
    const aMark = a.frames.length;

    // Mark the live instance, so that we can tell a fresh one from it afterwards.
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as { evictionMark?: number }).evictionMark = 1;
    });
    await evictDurableObject(stub);
    expect(c.closed).toBeNull();
    expect(a.closed).toBeNull();

    expect(await sendAndWait(c, "c-2", "Any news?")).toEqual({ type: "ack", clientId: "c-2", seq: 3 });
    await seen(a, (f) => f.type === "message" && f.seq === 3, aMark);
    expect(await sendAndWait(a, "a-2", "It arrives tomorrow")).toEqual({ type: "ack", clientId: "a-2", seq: 4 });
    await seen(c, (f) => f.type === "message" && f.seq === 4, cMark);

    // Evicted again between two messages: still the same sockets, still in order.
    await evictDurableObject(stub);
    expect(await sendAndWait(c, "c-3", "Thanks!")).toEqual({ type: "ack", clientId: "c-3", seq: 5 });
    // A resend after the eviction is still recognised.
    expect(await sendAndWait(c, "c-2", "Any news?")).toEqual({ type: "ack", clientId: "c-2", seq: 3 });
    await barrier(c);
    await barrier(a);

    // No hello again, no replay, nothing lost, nothing twice.
    for (const s of [c, a]) {
      expect(s.frames.filter((f) => f.type === "hello")).toHaveLength(1);
      expect(msgSeqs(s)).toEqual(range(1, 5));
      expect(s.closed).toBeNull();
    }
    const log = await history(ticket.id, admin);
    expect(log.map((m) => m.seq)).toEqual(range(1, 5));
    expect(log.map((m) => m.clientId)).toEqual(["c-1", "a-1", "c-2", "a-2", "c-3"]);
    expect(c.messages()).toEqual(log.map((m) => ({ type: "message", ...m })));
    expect(a.messages()).toEqual(log.map((m) => ({ type: "message", ...m })));

    // The instance really was replaced, and the new one holds both hibernated sockets.
    expect(
      await runInDurableObject(stub, (instance, state) => ({
        mark: (instance as unknown as { evictionMark?: number }).evictionMark ?? null,
        sockets: state.getWebSockets().length,
      })),
    ).toEqual({ mark: null, sockets: 2 });
    c.close();
    a.close();
  });
});

describe("eviction with closed sockets", () => {
  it("lets clients resume with after=<last seen seq>: exactly the missing messages, no duplicates, original acks on resend", async () => {
    const { shopper, ticket, c, a, stub } = await twoSided();
    // The customer sends c-2; it is stored (the agent sees it), but the customer's client does not
    // get to process its ack before the sockets go.
    c.send({ type: "send", clientId: "c-2", body: "Is it lost?" });
    await seen(a, (f) => f.type === "message" && f.clientId === "c-2");
    const c2Seq = 3;

    await evictDurableObject(stub, { webSockets: "close" });
    await waitClosed(c);
    await waitClosed(a);

    const customerLast = Math.max(...msgSeqs(c).filter((s) => s < c2Seq), 0); // pretend c-2 never came back
    const agentLast = Math.max(...msgSeqs(a));
    expect(agentLast).toBe(c2Seq);

    // While both are away, the agent answers over REST.
    expect((await json(await restReply(ticket.id, admin, "r-1", "Not lost, it's on the way"), 201)).message.seq).toBe(4);
    expect((await json(await restReply(ticket.id, admin, "r-2", "Tracking link follows"), 201)).message.seq).toBe(5);
    const log = await history(ticket.id, admin);
    expect(log.map((m) => m.seq)).toEqual(range(1, 5));

    // Reconnect from the last seq each side saw.
    const c2 = await customerSocket(ticket.id, shopper.token, customerLast);
    const a2 = await agentSocket(ticket.id, admin, agentLast);
    await barrier(c2);
    await barrier(a2);
    const hello = { type: "hello", ticketId: ticket.id, status: "open", lastSeq: 5 };
    expect(c2.frames[0]).toMatchObject(hello);
    expect(a2.frames[0]).toMatchObject(hello);
    expect(c2.frames.slice(1, -1)).toEqual(log.filter((m) => m.seq > customerLast).map((m) => ({ type: "message", ...m })));
    expect(a2.frames.slice(1, -1)).toEqual(log.filter((m) => m.seq > agentLast).map((m) => ({ type: "message", ...m })));

    // The customer resends c-2 (it never saw the ack): the original ack, no new message.
    expect(await sendAndWait(c2, "c-2", "Is it lost?")).toEqual({ type: "ack", clientId: "c-2", seq: c2Seq });
    await barrier(c2);
    await barrier(a2);
    expect(msgSeqs(c2)).toEqual(range(customerLast + 1, 5));
    expect(msgSeqs(a2)).toEqual(range(agentLast + 1, 5));

    // Across both connections each side has seen every message exactly once (the customer's first
    // socket may have seen c-2 already, which the resumed one then skips by its own `after`).
    const customerSeen = [...c.frames.filter((f) => f.type !== "message" || f.seq <= customerLast), ...c2.frames];
    expectNoDuplicates(customerSeen);
    expect(
      customerSeen
        .filter((f) => f.type === "message")
        .map((f) => f.seq)
        .sort((x, y) => x - y),
    ).toEqual(range(1, 5));
    const agentSeen = [...a.frames, ...a2.frames];
    expectNoDuplicates(agentSeen);
    expect(
      agentSeen
        .filter((f) => f.type === "message")
        .map((f) => f.seq)
        .sort((x, y) => x - y),
    ).toEqual(range(1, 5));

    // Live again on both sides.
    expect(await sendAndWait(c2, "c-3", "Got it, thanks")).toEqual({ type: "ack", clientId: "c-3", seq: 6 });
    await seen(a2, (f) => f.type === "message" && f.seq === 6);

    const full = await history(ticket.id, admin);
    expect(full.map((m) => m.seq)).toEqual(range(1, 6));
    expect(full.map((m) => m.clientId)).toEqual(["c-1", "a-1", "c-2", "r-1", "r-2", "c-3"]);
    c2.close();
    a2.close();
  });

  it("answers a send caught by the eviction, when resent, with one message and an ack matching it", async () => {
    const { shopper, ticket, c, a, stub } = await twoSided();
    // Fire and evict at once: the send may or may not have been stored before the sockets closed.
    c.send({ type: "send", clientId: "c-inflight", body: "Sent while the object goes away" });
    await evictDurableObject(stub, { webSockets: "close" });
    await waitClosed(c);
    await waitClosed(a);
    const earlyAck = c.frames.find((f) => f.type === "ack" && f.clientId === "c-inflight");

    const c2 = await customerSocket(ticket.id, shopper.token, 2);
    await barrier(c2);
    const ack = await sendAndWait(c2, "c-inflight", "Sent while the object goes away");
    expect(ack).toEqual({ type: "ack", clientId: "c-inflight", seq: 3 });
    if (earlyAck) expect(earlyAck.seq).toBe(ack.seq);
    await barrier(c2);
    // Whether it arrived in the replay or live, the customer sees it once.
    expect(msgSeqs(c2)).toEqual([3]);

    const a2 = await agentSocket(ticket.id, admin, 2);
    await barrier(a2);
    expect(msgSeqs(a2)).toEqual([3]);

    const log = await history(ticket.id, admin);
    expect(log.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(log.filter((m) => m.clientId === "c-inflight")).toHaveLength(1);
    c2.close();
    a2.close();
  });

  it("keeps seq gap-free through repeated evictions under traffic", async () => {
    const { shopper, ticket, c, a, stub } = await twoSided();
    let customerSocketNow = c;
    let agentSocketNow = a;
    let next = 3;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) {
        const sender = i % 2 === 0 ? customerSocketNow : agentSocketNow;
        expect(await sendAndWait(sender, `r${round}-m${i}`, `round ${round} message ${i}`)).toEqual({ type: "ack", clientId: `r${round}-m${i}`, seq: next++ });
      }
      await evictDurableObject(stub, round % 2 === 0 ? { webSockets: "close" } : undefined);
      if (round % 2 === 0) {
        await waitClosed(customerSocketNow);
        await waitClosed(agentSocketNow);
        customerSocketNow = await customerSocket(ticket.id, shopper.token, next - 1);
        agentSocketNow = await agentSocket(ticket.id, admin, next - 1);
        await barrier(customerSocketNow);
        await barrier(agentSocketNow);
        expect(msgSeqs(customerSocketNow)).toEqual([]);
        expect(msgSeqs(agentSocketNow)).toEqual([]);
      }
    }
    const log = await history(ticket.id, admin);
    expect(log.map((m) => m.seq)).toEqual(range(1, next - 1));
    customerSocketNow.close();
    agentSocketNow.close();
  });
});
