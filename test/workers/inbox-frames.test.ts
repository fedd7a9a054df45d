// The inbox as agents see it: live `ticket` and `counts` frames on /api/inbox/ws, catch-up with
// `?since=<rev>`, and GET /api/inbox/counts (the filtered, paginated GET /api/tickets is in
// inbox-list.test.ts).
// Storage is shared by the tests of this file, so they run in order and build on each other.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { addAgent, agentSocket, call, Client, connect, customer, customerSocket, expectError, json, login, sendAndWait, sleep, startChat } from "./helpers";

const inboxSocket = (cookie: string, since?: number) => connect(`/api/inbox/ws${since === undefined ? "" : `?since=${since}`}`, { cookie });

/** The next ticket frame about `ticketId` that satisfies `match`, and the counts frame of the same rev. */
async function ticketChange(socket: Client, ticketId: string, match: (ticket: TicketT) => boolean = () => true, timeoutMs = 4000) {
  const frame = await socket.next((f) => f.type === "ticket" && f.ticket.id === ticketId && match(f.ticket), timeoutMs);
  expect(typeof frame.rev).toBe("number");
  const counts = await socket.next((f) => f.type === "counts" && f.rev === frame.rev, timeoutMs);
  return { ticket: frame.ticket as TicketT, rev: frame.rev as number, counts: { unread: counts.unread, open: counts.open, snoozed: counts.snoozed } };
}

async function getCounts(cookie: string) {
  return json<{ unread: number; open: number; snoozed: number }>(await call("/api/inbox/counts", { cookie }), 200);
}

// State carried from test to test (they share storage and run in order).
let admin = "";
let adminId = "";
let lastRev = 0;
let openTicketId = "";

describe("inbox frames and counts", () => {
  it("follows one ticket from the first customer message to close, on two agents' sockets, matching GET /api/inbox/counts", async () => {
    admin = await login();
    adminId = (await json(await call("/api/me", { cookie: admin }), 200)).agent.id;
    const other = await addAgent(admin);

    const a = await inboxSocket(admin);
    const b = await inboxSocket(other.cookie);
    // Counts on connect (nothing is visible yet).
    expect(await a.nextOfType("counts")).toMatchObject({ type: "counts", unread: 0, open: 0, snoozed: 0 });
    expect(await b.nextOfType("counts")).toMatchObject({ type: "counts", unread: 0, open: 0, snoozed: 0 });
    expect(a.frames).toHaveLength(1);

    // A chat the customer opens but never writes in stays out of the inbox, even when it changes
    // (the customer ends it) and its change is synced to D1.
    const silent = await customer();
    const silentTicket = await startChat(silent.token);
    const silentSocket = await customerSocket(silentTicket.id, silent.token);
    await silentSocket.nextOfType("hello");
    silentSocket.send({ type: "end" });
    expect(await silentSocket.nextOfType("status")).toMatchObject({ status: "closed" });
    silentSocket.close();

    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    await sleep(800); // well past the D1 sync delay
    // The silent ticket's close did reach D1 (so it was synced, just never shown).
    expect(await env.DB.prepare("SELECT status, visible FROM tickets WHERE id = ?").bind(silentTicket.id).first()).toEqual({ status: "closed", visible: 0 });
    for (const query of ["", "status=open", "status=closed", "status=snoozed", "assignee=unassigned", "channel=webchat"]) {
      const { tickets } = await json(await call(`/api/tickets?${query}`, { cookie: admin }), 200);
      expect(
        tickets.map((t: TicketT) => t.id),
        query,
      ).not.toContain(ticket.id);
      expect(
        tickets.map((t: TicketT) => t.id),
        query,
      ).not.toContain(silentTicket.id);
    }
    expect(await getCounts(admin)).toEqual({ unread: 0, open: 0, snoozed: 0 });
    await expectError(await call(`/api/tickets/${ticket.id}`, { cookie: admin }), 404, "not_found");
    expect(a.frames).toHaveLength(1);
    expect(b.frames).toHaveLength(1);

    // The customer's first message brings the ticket into the inbox.
    const chat = await customerSocket(ticket.id, shopper.token);
    await chat.nextOfType("hello");
    chat.send({ type: "send", clientId: "m1", body: "My parcel never arrived" });
    expect(await chat.nextOfType("ack")).toMatchObject({ seq: 1 });
    const first = await ticketChange(a, ticket.id);
    expect(first.ticket).toMatchObject({
      id: ticket.id,
      status: "open",
      unread: true,
      preview: "My parcel never arrived",
      assigneeId: null,
      channel: "webchat",
    });
    expect(first.counts).toEqual({ unread: 1, open: 1, snoozed: 0 });

    // An agent's reply assigns the ticket and reads it.
    const reply = await call(`/api/tickets/${ticket.id}/messages`, { method: "POST", cookie: admin, json: { clientId: "r1", body: "Let me check." } });
    expect(reply.status).toBe(201);
    const replied = await ticketChange(a, ticket.id, (t) => t.assigneeId !== null);
    expect(replied.ticket).toMatchObject({ assigneeId: adminId, unread: false, preview: "Let me check." });
    expect(replied.counts).toEqual({ unread: 0, open: 1, snoozed: 0 });

    // The customer writes again (unread), then an agent reads it on the ticket's socket.
    chat.send({ type: "send", clientId: "m2", body: "Thanks, it was order 1001" });
    expect(await chat.nextOfType("ack")).toMatchObject({ seq: 3 });
    const again = await ticketChange(a, ticket.id, (t) => t.unread);
    expect(again.ticket).toMatchObject({ unread: true, preview: "Thanks, it was order 1001" });
    expect(again.counts).toEqual({ unread: 1, open: 1, snoozed: 0 });

    const agentChat = await agentSocket(ticket.id, other.cookie);
    await agentChat.nextOfType("hello");
    agentChat.send({ type: "read", seq: 3 });
    expect(await chat.nextOfType("read")).toEqual({ type: "read", by: "agent", seq: 3 });
    const read = await ticketChange(a, ticket.id, (t) => !t.unread);
    expect(read.ticket).toMatchObject({ unread: false, status: "open", assigneeId: adminId });
    expect(read.counts.unread).toBeLessThan(again.counts.unread);
    expect(read.counts).toEqual({ unread: 0, open: 1, snoozed: 0 });
    agentChat.close();

    // Snooze.
    const snoozeUntil = new Date(Date.now() + 3_600_000).toISOString();
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "snoozed", snoozeUntil } }), 200);
    const snoozed = await ticketChange(a, ticket.id, (t) => t.status === "snoozed");
    expect(snoozed.ticket.snoozeUntil).toBe(snoozeUntil);
    expect(snoozed.counts).toEqual({ unread: 0, open: 0, snoozed: 1 });
    expect(await getCounts(admin)).toEqual(snoozed.counts);

    // Close.
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    const closed = await ticketChange(a, ticket.id, (t) => t.status === "closed");
    expect(closed.ticket.closedAt).not.toBeNull();
    expect(closed.counts).toEqual({ unread: 0, open: 0, snoozed: 0 });
    chat.close();

    // GET /api/inbox/counts agrees with the last counts frame.
    const lastCounts = a.frames.filter((f) => f.type === "counts").at(-1);
    expect(await getCounts(admin)).toEqual({ unread: lastCounts.unread, open: lastCounts.open, snoozed: lastCounts.snoozed });

    // The second agent saw the same frames, in the same order; nobody saw the silent ticket.
    await b.next((f) => f.type === "counts" && f.rev === closed.rev);
    const ticketFrames = (s: Client) => s.frames.filter((f) => f.type === "ticket").map((f) => [f.rev, f.ticket.id, f.ticket.status, f.ticket.unread]);
    expect(ticketFrames(b)).toEqual(ticketFrames(a));
    expect(ticketFrames(a).length).toBeGreaterThanOrEqual(5);
    for (const s of [a, b]) expect(s.frames.some((f) => f.type === "ticket" && f.ticket.id === silentTicket.id)).toBe(false);
    const { tickets: closedList } = await json(await call("/api/tickets?status=closed", { cookie: admin }), 200);
    expect(closedList.map((t: TicketT) => t.id)).toEqual([ticket.id]);

    lastRev = a.frames.at(-1).rev;
    a.close();
    b.close();
  }, 30_000);

  it("catches a reconnecting agent up with ?since=<rev>: the changed tickets' newest versions in rev order, then counts", async () => {
    expect(lastRev).toBeGreaterThan(0);
    // A watcher that stays connected, only to know when the changes reached the inbox.
    const other = await addAgent(admin);
    const watcher = await inboxSocket(other.cookie);
    expect((await watcher.nextOfType("counts")).rev).toBe(lastRev);

    const one = await customer();
    const t1 = await startChat(one.token);
    const two = await customer();
    const t2 = await startChat(two.token);

    const c1 = await customerSocket(t1.id, one.token);
    await c1.nextOfType("hello");
    c1.send({ type: "send", clientId: "x1", body: "first ticket, first message" });
    await c1.nextOfType("ack");
    await ticketChange(watcher, t1.id);

    const c2 = await customerSocket(t2.id, two.token);
    await c2.nextOfType("hello");
    c2.send({ type: "send", clientId: "y1", body: "second ticket here" });
    await c2.nextOfType("ack");
    await ticketChange(watcher, t2.id);

    // Ticket 1 changes again after ticket 2: its newest version comes last.
    await json(await call(`/api/tickets/${t1.id}/messages`, { method: "POST", cookie: admin, json: { clientId: "z1", body: "On it." } }), 201);
    const newest1 = await ticketChange(watcher, t1.id, (t) => t.assigneeId === adminId);
    c1.close();
    c2.close();

    const back = await inboxSocket(admin, lastRev);
    const countsFrame = await back.nextOfType("counts");
    const newest2 = watcher.frames.filter((f) => f.type === "ticket" && f.ticket.id === t2.id).at(-1);
    expect(back.frames).toEqual([
      { type: "ticket", ticket: newest2.ticket, rev: newest2.rev },
      { type: "ticket", ticket: newest1.ticket, rev: newest1.rev },
      countsFrame,
    ]);
    expect(newest2.rev).toBeLessThan(newest1.rev);
    expect(back.frames[1].ticket).toMatchObject({ preview: "On it.", assigneeId: adminId, unread: false });
    expect(countsFrame).toEqual({ type: "counts", rev: newest1.rev, unread: 1, open: 2, snoozed: 0 });
    expect(await getCounts(admin)).toEqual({ unread: 1, open: 2, snoozed: 0 });
    back.close();

    // Up to date: nothing to replay, just counts.
    const current = await inboxSocket(admin, newest1.rev);
    expect(await current.nextOfType("counts")).toMatchObject({ rev: newest1.rev });
    expect(current.frames).toHaveLength(1);
    current.close();

    // A since newer than anything the inbox has (or not a revision at all) → resync.
    for (const since of ["999999", "-1", "abc"]) {
      const stale = await connect(`/api/inbox/ws?since=${since}`, { cookie: admin });
      expect(await stale.next(), `since=${since}`).toEqual({ type: "resync", rev: newest1.rev });
      stale.close();
    }
    lastRev = newest1.rev;
    openTicketId = t2.id;
    watcher.close();
  }, 30_000);

  it("announces a snoozed ticket waking up when snoozeUntil passes", async () => {
    const a = await inboxSocket(admin);
    const before = await a.nextOfType("counts");
    expect(before).toMatchObject({ unread: 1, open: 2, snoozed: 0 });
    const snoozeUntil = new Date(Date.now() + 1500).toISOString();
    await json(await call(`/api/tickets/${openTicketId}`, { method: "PATCH", cookie: admin, json: { status: "snoozed", snoozeUntil } }), 200);
    const snoozed = await ticketChange(a, openTicketId, (t) => t.status === "snoozed");
    expect(snoozed.ticket).toMatchObject({ snoozeUntil, unread: true });
    expect(snoozed.counts).toEqual({ unread: 1, open: 1, snoozed: 1 });

    const woke = await ticketChange(a, openTicketId, (t) => t.status === "open", 6000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(snoozeUntil));
    expect(woke.ticket).toMatchObject({ snoozeUntil: null, unread: true });
    expect(woke.counts).toEqual({ unread: 1, open: 2, snoozed: 0 });
    expect(await getCounts(admin)).toEqual(woke.counts);
    lastRev = woke.rev;
    a.close();
  }, 15_000);

  it("announces a burst of messages once, when it ends, within about a second of its first message", async () => {
    const a = await inboxSocket(admin);
    await a.nextOfType("counts");
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const chat = await customerSocket(ticket.id, shopper.token);
    await chat.nextOfType("hello");
    // The first message brings the ticket into the inbox, a change of its own: with the changes it
    // makes at once (who answers it), not a burst to wait for.
    const sentAt = Date.now();
    await sendAndWait(chat, "opening", "hello?");
    const opened = await ticketChange(a, ticket.id, (t) => t.preview === "hello?");
    expect(Date.now() - sentAt, "the sync delay (250 ms) and the write, not a burst's second").toBeLessThan(900);
    // Past a second after that write, so that the burst's first change waits only the sync delay (250 ms).
    await sleep(1100);

    // Six messages over about 400 ms: longer than the sync delay, shorter than a second.
    const started = Date.now();
    for (let i = 1; i <= 6; i++) {
      if (i > 1) await sleep(70);
      expect(await sendAndWait(chat, `burst-${i}`, `burst ${i}`)).toMatchObject({ type: "ack" });
    }
    const burstMs = Date.now() - started;
    expect(burstMs, "the burst must end within a second of its first message").toBeLessThan(900);
    const burst = await ticketChange(a, ticket.id);
    const announcedAfter = Date.now() - started;
    expect(burst.ticket.preview).toBe("burst 6");
    // A second, plus the write itself on a busy machine.
    expect(announcedAfter).toBeLessThan(2500);

    // Nothing followed it: the burst was one change.
    await sleep(1500);
    const changes = a.frames.filter((f) => f.type === "ticket" && f.ticket.id === ticket.id && f.rev > opened.rev);
    expect(changes.map((f) => f.ticket.preview)).toEqual(["burst 6"]);
    lastRev = burst.rev;
    chat.close();
    a.close();
  }, 20_000);
});

describe("inbox catch-up racing a live change", () => {
  it("never sends one socket a revision twice or out of order, even when a change lands while it connects", async () => {
    // The Inbox object is driven directly: its upgrade (as the Worker forwards it) and the
    // ticketChanged() call a ticket's object makes with its newest record, arriving together.
    const inbox = env.INBOX.get(env.INBOX.idFromName("inbox"));
    const record = await env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(openTicketId)).record();
    expect(record?.visible).toBe(true);
    const participant = JSON.stringify({ side: "agent", id: adminId, name: "Admin", expiresAt: Date.now() + 3_600_000, origin: "http://parley.test" });
    const problems: string[] = [];
    for (let round = 0; round < 12; round++) {
      const since = lastRev - 2; // a couple of changes to replay
      const request = new Request(`http://parley.test/api/inbox/ws?since=${since}`, { headers: { Upgrade: "websocket", "x-parley-participant": participant } });
      const [response] = await Promise.all([inbox.fetch(request), inbox.ticketChanged(record!)]);
      expect(response.status).toBe(101);
      const socket = new Client(response.webSocket!);
      await sleep(200);
      const ticketRevs = socket.frames.filter((f) => f.type === "ticket").map((f) => f.rev as number);
      const countsRevs = socket.frames.filter((f) => f.type === "counts").map((f) => f.rev as number);
      const increasing = ticketRevs.every((rev, i) => i === 0 || rev > ticketRevs[i - 1]!);
      const countsInOrder = countsRevs.every((rev, i) => i === 0 || rev >= countsRevs[i - 1]!);
      if (!increasing || !countsInOrder || ticketRevs[0]! <= since) {
        problems.push(`since=${since}: ${JSON.stringify(socket.frames.map((f) => [f.type, f.rev]))}`);
      }
      lastRev = Math.max(lastRev, ...ticketRevs);
      socket.close();
    }
    expect(problems, problems.join("\n")).toEqual([]);
  }, 30_000);
});
