// The ticket's object owes D1 (the inbox index) a write of every change: coalesced, retried on
// failure, and never letting an older version overwrite a newer one. D1 writes are counted by
// SQLite triggers on the real `tickets` table; D1 failure is real (the table is renamed away).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Conversation } from "../../durable-objects/conversation/Conversation";
import type { StoredState } from "../../durable-objects/conversation/state";
import { db } from "../../worker/db/client";
import { writeTicketRecord, type TicketRecord } from "../../worker/lib/tickets";
import { catchWarnings, Client, connect, customer, customerSocket, eventually, login, sleep, startChat } from "./helpers";

type WriteRow = { n: number; op: "insert" | "update"; ticket_id: string; version: number; preview: string | null; at: number };

const conversation = (ticketId: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticketId));

type ObjectState = { lastSeq: number; version: number; syncedVersion: number; syncAttempts: number; syncDueAt: number | null; alarm: number | null };

/**
 * The object's own view, read inside the object: its log's last seq, the ticket's version, what
 * its stored state says D1 holds, and when it means to write D1 next (kept in memory).
 */
async function objectState(ticketId: string): Promise<ObjectState> {
  return runInDurableObject(conversation(ticketId), async (instance: Conversation, ctx) => {
    const row = ctx.storage.sql.exec<{ data: string }>("SELECT data FROM state").toArray()[0];
    if (!row) throw new Error(`ticket ${ticketId} has no state`);
    const stored = JSON.parse(row.data) as StoredState;
    const record = (await instance.record())!;
    const lastSeq = ctx.storage.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM messages").one().seq ?? 0;
    const core = (instance as unknown as { core: { syncDueAt: number | null } }).core;
    return {
      lastSeq,
      version: record.version,
      syncedVersion: stored.sync.version,
      syncAttempts: stored.sync.attempts,
      syncDueAt: core.syncDueAt,
      alarm: await ctx.storage.getAlarm(),
    };
  });
}

async function writesOf(ticketId: string): Promise<WriteRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM ticket_writes WHERE ticket_id = ? ORDER BY n").bind(ticketId).all<WriteRow>();
  return results;
}

async function d1Row(ticketId: string, table = "tickets") {
  return env.DB.prepare(`SELECT id, preview, version, unread, visible, status FROM ${table} WHERE id = ?`).bind(ticketId).first<{
    id: string;
    preview: string | null;
    version: number;
    unread: number;
    visible: number;
    status: string;
  }>();
}

/** Sends every frame at once (no waiting in between) and waits for every ack. */
async function burst(socket: Client, bodies: Array<{ clientId: string; body: string }>, timeoutMs = 3000) {
  for (const { clientId, body } of bodies) socket.send({ type: "send", clientId, body });
  const acks = [];
  const at: number[] = [];
  for (const { clientId } of bodies) {
    acks.push(await socket.next((f) => (f.type === "ack" || f.type === "error") && f.clientId === clientId, timeoutMs));
    at.push(Date.now());
  }
  if (bodies.length > 1) console.log(`ack times (ms after first ack): ${at.map((t) => t - at[0]!).join(" ")}`);
  return acks;
}

beforeAll(async () => {
  // Counts every real write to the D1 inbox index. Triggers follow the table through a rename.
  await env.DB.prepare(
    "CREATE TABLE IF NOT EXISTS ticket_writes (n INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, ticket_id TEXT NOT NULL, version INTEGER NOT NULL, preview TEXT, at INTEGER NOT NULL)",
  ).run();
  await env.DB.prepare(
    `CREATE TRIGGER IF NOT EXISTS ticket_writes_insert AFTER INSERT ON tickets BEGIN
       INSERT INTO ticket_writes (op, ticket_id, version, preview, at) VALUES ('insert', NEW.id, NEW.version, NEW.preview, CAST(unixepoch('subsec') * 1000 AS INTEGER));
     END`,
  ).run();
  await env.DB.prepare(
    `CREATE TRIGGER IF NOT EXISTS ticket_writes_update AFTER UPDATE ON tickets BEGIN
       INSERT INTO ticket_writes (op, ticket_id, version, preview, at) VALUES ('update', NEW.id, NEW.version, NEW.preview, CAST(unixepoch('subsec') * 1000 AS INTEGER));
     END`,
  ).run();
});

describe("D1 sync of a ticket's changes", () => {
  it("coalesces a burst of 25 customer messages into exactly one D1 write, after every ack", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    // Opening the ticket inserted it (version 1, invisible); nothing has updated it yet.
    expect((await writesOf(ticket.id)).map((w) => w.op)).toEqual(["insert"]);

    const socket = await customerSocket(ticket.id, shopper.token);
    await socket.nextOfType("hello");
    const bodies = Array.from({ length: 25 }, (_, i) => ({ clientId: `burst-${i + 1}`, body: `burst message number ${i + 1}` }));

    const started = Date.now();
    const acks = await burst(socket, bodies);
    const ackedAfter = Date.now() - started;
    console.log(`25 acks arrived ${ackedAfter} ms after the first send (D1 sync delay ${env.D1_SYNC_DELAY_MS} ms)`);
    expect(acks).toEqual(bodies.map((b, i) => ({ type: "ack", clientId: b.clientId, seq: i + 1 })));
    // Acks do not wait for D1: when the last one arrived, D1 had not been written yet.
    const atLastAck = await writesOf(ticket.id);
    expect(
      atLastAck.filter((w) => w.op === "update"),
      `burst took ${ackedAfter} ms`,
    ).toEqual([]);
    expect(await d1Row(ticket.id)).toMatchObject({ version: 1, preview: null, visible: 0 });

    // Then one write carries all 25: the newest preview and the object's version.
    const synced = await eventually(async () => {
      const writes = (await writesOf(ticket.id)).filter((w) => w.op === "update");
      expect(writes.length).toBeGreaterThan(0);
      return writes;
    }, 3000);
    await sleep(Number(env.D1_SYNC_DELAY_MS) + 500); // longer than the sync delay: any second write would have landed by now
    const updates = (await writesOf(ticket.id)).filter((w) => w.op === "update");
    expect(updates, JSON.stringify(updates)).toHaveLength(1);
    expect(synced[0]).toEqual(updates[0]);

    const state = await objectState(ticket.id);
    expect(state.lastSeq).toBe(25);
    expect(state.version).toBe(27); // 1 at opening + 25 messages + 1 deciding who answers (people: the AI is off)
    expect(updates[0]).toMatchObject({ version: state.version, preview: "burst message number 25" });
    expect(await d1Row(ticket.id)).toMatchObject({ version: state.version, preview: "burst message number 25", unread: 1, visible: 1, status: "open" });
    // Nothing is owed any more.
    expect(state).toMatchObject({ syncedVersion: state.version, syncDueAt: null, syncAttempts: 0 });
    socket.close();
  });

  it("keeps the write owed while D1 fails, acks meanwhile, and lands the newest version once D1 is back", async () => {
    const warnings = catchWarnings(/D1 write of version \d+ failed \(attempt \d+\); retrying/);
    const admin = await login();
    const inbox = await connect("/api/inbox/ws", { cookie: admin });
    await inbox.nextOfType("counts");

    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const socket = await customerSocket(ticket.id, shopper.token);
    await socket.nextOfType("hello");

    await env.DB.prepare("ALTER TABLE tickets RENAME TO tickets_offline").run();
    let renamedBack = false;
    try {
      // The customer keeps chatting: every message is stored and acked without D1.
      expect(await burst(socket, [{ clientId: "down-1", body: "is anyone there?" }])).toEqual([{ type: "ack", clientId: "down-1", seq: 1 }]);
      const failing = await eventually(async () => {
        const state = await objectState(ticket.id);
        expect(state.syncAttempts).toBeGreaterThan(0);
        return state;
      });
      expect(failing.syncedVersion).toBe(1);
      expect(failing.syncedVersion).toBeLessThan(failing.version);
      expect(failing.syncDueAt).not.toBeNull();
      // A retry is actually scheduled, not merely remembered.
      expect(failing.alarm, "an alarm must be armed for the retry").not.toBeNull();
      // The write was attempted and failed: D1 (under its other name) still has the opening version.
      expect(await d1Row(ticket.id, "tickets_offline")).toMatchObject({ version: 1, preview: null, visible: 0 });
      expect(inbox.frames.filter((f) => f.type === "ticket" && f.ticket.id === ticket.id)).toEqual([]);

      // More changes while D1 is still down are owed too.
      expect(await burst(socket, [{ clientId: "down-2", body: "hello? my order #1234" }])).toEqual([{ type: "ack", clientId: "down-2", seq: 2 }]);
      const owed = await objectState(ticket.id);
      // 1 at opening, down-1, deciding who answers, down-2.
      expect(owed.version).toBe(4);
      expect(owed.syncedVersion).toBe(1);

      await env.DB.prepare("ALTER TABLE tickets_offline RENAME TO tickets").run();
      renamedBack = true;

      // The retry (at its backoff time) lands the newest version and tells the inbox.
      const frame = await inbox.next((f) => f.type === "ticket" && f.ticket.id === ticket.id, 10_000);
      expect(frame.ticket).toMatchObject({ id: ticket.id, preview: "hello? my order #1234", unread: true, status: "open" });
      expect(await inbox.next((f) => f.type === "counts" && f.rev === frame.rev, 3000)).toMatchObject({ type: "counts" });

      const recovered = await objectState(ticket.id);
      expect(recovered).toMatchObject({ version: 4, syncedVersion: 4, syncAttempts: 0, syncDueAt: null });
      expect(await d1Row(ticket.id)).toMatchObject({ version: 4, preview: "hello? my order #1234", unread: 1, visible: 1 });
      const updates = (await writesOf(ticket.id)).filter((w) => w.op === "update");
      expect(updates.map((w) => w.version)).toEqual([4]);
      expect(warnings.seen(), warnings.caught.join("\n")).toBe(true);
    } finally {
      if (!renamedBack) await env.DB.prepare("ALTER TABLE tickets_offline RENAME TO tickets").run();
      socket.close();
      inbox.close();
    }
  }, 20_000);

  it("writes a steady stream of changes every sync delay, not per change, and never leaves the last one behind", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const socket = await customerSocket(ticket.id, shopper.token);
    await socket.nextOfType("hello");
    const count = 30;
    const started = Date.now();
    for (let i = 1; i <= count; i++) {
      expect(await burst(socket, [{ clientId: `stream-${i}`, body: `stream message ${i}` }])).toEqual([{ type: "ack", clientId: `stream-${i}`, seq: i }]);
      await sleep(40);
    }
    const streamedFor = Date.now() - started;

    const final = await eventually(async () => {
      const state = await objectState(ticket.id);
      expect(state.syncedVersion).toBe(state.version);
      expect(await d1Row(ticket.id)).toMatchObject({ version: state.version, preview: `stream message ${count}` });
      return state;
    }, 5000);
    // 1 at opening, the messages, and deciding who answers after the first.
    expect(final).toMatchObject({ version: count + 2, syncDueAt: null, syncAttempts: 0 });
    const updates = (await writesOf(ticket.id)).filter((w) => w.op === "update");
    console.log(`${count} messages over ${streamedFor} ms → ${updates.length} D1 writes (versions ${updates.map((w) => w.version).join(", ")})`);
    // Changes made while a write was pending or in flight rode along with a later write.
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(streamedFor / Number(env.D1_SYNC_DELAY_MS)) + 2);
    expect(updates.length).toBeLessThan(count / 2);
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.version).toBeGreaterThan(updates[i - 1]!.version);
    expect(updates.at(-1)).toMatchObject({ version: count + 2, preview: `stream message ${count}` });
    socket.close();
  }, 30_000);

  it("never lets a late write overwrite a newer one", async () => {
    const database = db(env.DB);
    const profileId = `prf_late_${crypto.randomUUID().replaceAll("-", "")}`;
    const now = new Date().toISOString();
    await env.DB.prepare("INSERT INTO profiles (id, name, created_at, updated_at) VALUES (?, 'Late Larry', ?, ?)").bind(profileId, now, now).run();
    const base: TicketRecord = {
      id: `tkt_late_${crypto.randomUUID().replaceAll("-", "")}`,
      channel: "webchat",
      status: "open",
      snoozeUntil: null,
      assigneeId: null,
      profileId,
      customerName: "Late Larry",
      preview: null,
      unread: false,
      lastMessageAt: null,
      createdAt: now,
      closedAt: null,
      handledByAi: false,
      labels: [],
      rating: null,
      visible: false,
      version: 1,
    };
    await writeTicketRecord(database, base);
    await writeTicketRecord(database, { ...base, version: 5, preview: "newest", unread: true, visible: true, lastMessageAt: now });
    expect(await d1Row(base.id)).toMatchObject({ version: 5, preview: "newest", unread: 1, visible: 1 });

    // An older write arriving late changes nothing, and neither does a repeat of the same version.
    await writeTicketRecord(database, { ...base, version: 4, preview: "older", unread: false, visible: true, status: "closed" });
    await writeTicketRecord(database, { ...base, version: 5, preview: "same version, other data", visible: true });
    expect(await d1Row(base.id)).toMatchObject({ version: 5, preview: "newest", unread: 1, visible: 1, status: "open" });
    expect((await writesOf(base.id)).map((w) => [w.op, w.version])).toEqual([
      ["insert", 1],
      ["update", 5],
    ]);

    // A newer one still lands.
    await writeTicketRecord(database, { ...base, version: 6, preview: "newer still", visible: true });
    expect(await d1Row(base.id)).toMatchObject({ version: 6, preview: "newer still" });
  });
});
