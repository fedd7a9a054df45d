// The realtime contract (spec "Realtime"), the ticket's state on the sockets: closing, assignment,
// snooze and office hours.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { addAgent, agentSocket, call, Client, eventually, expectError, json, seen, sendAndWait, sleep } from "./helpers";
import {
  admin,
  adminAgent,
  barrier,
  chat,
  expectAck,
  framesAfter,
  history,
  msgSeqs,
  range,
  restReply,
  stubOf,
  twoSided,
  useRealtimeAdmin,
} from "./realtime-fixtures";

useRealtimeAdmin();

const statusFrames = (c: Client, from = 0) => c.frames.slice(from).filter((f) => f.type === "status");

async function getTicket(ticketId: string, cookie: string): Promise<TicketT> {
  return (await json<{ ticket: TicketT }>(await call(`/api/tickets/${ticketId}`, { cookie }), 200)).ticket;
}

const patchTicket = (ticketId: string, cookie: string, patch: unknown) => call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie, json: patch });

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
