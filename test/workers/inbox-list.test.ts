// The inbox as agents list it: the filtered, paginated GET /api/tickets, over index rows written
// as a ticket's object writes them and tickets made through the chat.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { db } from "../../worker/db/client";
import { writeTicketRecord, type TicketRecord } from "../../worker/lib/tickets";
import { addAgent, call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, startChat } from "./helpers";

async function listAll(cookie: string, query: string, limit = 100): Promise<TicketT[]> {
  const all: TicketT[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const sep = query ? "&" : "";
    const body: { tickets: TicketT[]; nextCursor: string | null } = await json(
      await call(`/api/tickets?${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { cookie }),
      200,
    );
    expect(body.tickets.length).toBeLessThanOrEqual(limit);
    all.push(...body.tickets);
    if (!body.nextCursor) return all;
    expect(body.tickets.length).toBe(limit);
    cursor = body.nextCursor;
  }
  throw new Error("pagination did not end");
}

/** Newest activity first: (lastMessageAt, id) strictly descending. */
function expectNewestFirst(tickets: TicketT[]) {
  for (let i = 1; i < tickets.length; i++) {
    const a = tickets[i - 1]!;
    const b = tickets[i]!;
    const ordered = a.lastMessageAt! > b.lastMessageAt! || (a.lastMessageAt === b.lastMessageAt && a.id > b.id);
    expect(ordered, `${a.id}@${a.lastMessageAt} before ${b.id}@${b.lastMessageAt}`).toBe(true);
  }
}

let admin = "";
let adminId = "";
let firstTicketId = "";

/** A ticket a customer opened and wrote `body` in, as the chat makes one; returns its id. */
async function chatTicket(body: string): Promise<string> {
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const socket = await customerSocket(ticket.id, shopper.token);
  await socket.nextOfType("hello");
  expect((await sendAndWait(socket, crypto.randomUUID(), body)).type).toBe("ack");
  socket.close();
  return ticket.id;
}

// Three tickets made through the chat, as agents leave them: one answered and closed, one
// answered, one still waiting. D1's inbox index has them a moment after their objects do.
beforeAll(async () => {
  admin = await login();
  adminId = (await json(await call("/api/me", { cookie: admin }), 200)).agent.id;
  firstTicketId = await chatTicket("My parcel never arrived");
  const answered = await chatTicket("first ticket, first message");
  const waiting = await chatTicket("second ticket here");
  for (const id of [firstTicketId, answered]) {
    await json(await call(`/api/tickets/${id}/messages`, { method: "POST", cookie: admin, json: { clientId: `r-${id}`, body: "On it." } }), 201);
  }
  await json(await call(`/api/tickets/${firstTicketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
  await eventually(async () => {
    const { tickets } = await json<{ tickets: TicketT[] }>(await call("/api/tickets?limit=100", { cookie: admin }), 200);
    expect(Object.fromEntries(tickets.map((t) => [t.id, [t.status, t.assigneeId]]))).toEqual({
      [firstTicketId]: ["closed", adminId],
      [answered]: ["open", adminId],
      [waiting]: ["open", null],
    });
  });
});

describe("GET /api/tickets filters and pagination", () => {
  it("filters by status, channel and assignee, newest activity first, and pages through every ticket exactly once", async () => {
    const other = await addAgent(admin);
    const otherId = other.agent.id as string;
    const database = db(env.DB);
    const stamp = (minute: number) => `2099-01-01T00:${String(minute).padStart(2, "0")}:00.000Z`;

    // Index rows as an SMS integration or a ticket's object would write them, with activity in
    // the future so they sort before every other ticket, and ties on lastMessageAt.
    const specs: Array<Partial<TicketRecord> & { minute: number }> = [
      { minute: 50, channel: "webchat", status: "open", assigneeId: null, unread: true },
      { minute: 49, channel: "sms", status: "open", assigneeId: adminId, unread: true },
      { minute: 49, channel: "sms", status: "open", assigneeId: otherId },
      { minute: 49, channel: "webchat", status: "open", assigneeId: adminId },
      { minute: 48, channel: "sms", status: "snoozed", assigneeId: null, snoozeUntil: "2099-02-01T00:00:00.000Z" },
      { minute: 47, channel: "webchat", status: "closed", assigneeId: otherId, closedAt: stamp(47) },
      { minute: 46, channel: "sms", status: "open", assigneeId: null },
      { minute: 46, channel: "webchat", status: "snoozed", assigneeId: adminId, snoozeUntil: "2099-02-01T00:00:00.000Z" },
      { minute: 45, channel: "sms", status: "closed", assigneeId: null, closedAt: stamp(45) },
      { minute: 44, channel: "webchat", status: "open", assigneeId: otherId },
      { minute: 44, channel: "webchat", status: "open", assigneeId: null },
      { minute: 43, channel: "sms", status: "open", assigneeId: adminId },
    ];
    const seeded: TicketT[] = [];
    for (const [i, spec] of specs.entries()) {
      const profileId = `prf_list_${i}_${crypto.randomUUID().slice(0, 8)}`;
      await env.DB.prepare("INSERT INTO profiles (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)")
        .bind(profileId, `List ${i}`, stamp(0), stamp(0))
        .run();
      const { minute, ...fields } = spec;
      const record: TicketRecord = {
        id: `tkt_list_${String(i).padStart(2, "0")}_${crypto.randomUUID().replaceAll("-", "")}`,
        channel: "webchat",
        status: "open",
        snoozeUntil: null,
        assigneeId: null,
        profileId,
        customerName: `List ${i}`,
        preview: `seeded ${i}`,
        unread: false,
        lastMessageAt: stamp(minute),
        createdAt: stamp(0),
        closedAt: null,
        handledByAi: false,
        labels: [],
        rating: null,
        visible: true,
        version: 2,
        ...fields,
      };
      await writeTicketRecord(database, record);
      const { visible: _, version: __, ...ticket } = record;
      seeded.push(ticket);
    }
    // A ticket nobody wrote in is never listed, however recent.
    const hiddenProfile = `prf_list_hidden_${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare("INSERT INTO profiles (id, name, created_at, updated_at) VALUES (?, 'Hidden', ?, ?)").bind(hiddenProfile, stamp(0), stamp(0)).run();
    const hiddenId = `tkt_list_hidden_${crypto.randomUUID().replaceAll("-", "")}`;
    await writeTicketRecord(database, { ...seeded[0]!, id: hiddenId, profileId: hiddenProfile, lastMessageAt: stamp(59), visible: false, version: 1 });

    const byActivity = [...seeded].sort((x, y) =>
      x.lastMessageAt! === y.lastMessageAt! ? (x.id < y.id ? 1 : -1) : x.lastMessageAt! < y.lastMessageAt! ? 1 : -1,
    );
    const variants: Array<{ query: string; keep: (t: TicketT) => boolean }> = [
      { query: "", keep: () => true },
      { query: "status=open", keep: (t) => t.status === "open" },
      { query: "status=snoozed", keep: (t) => t.status === "snoozed" },
      { query: "status=closed", keep: (t) => t.status === "closed" },
      { query: "channel=sms", keep: (t) => t.channel === "sms" },
      { query: "status=open&channel=webchat", keep: (t) => t.status === "open" && t.channel === "webchat" },
      { query: "status=open&channel=sms", keep: (t) => t.status === "open" && t.channel === "sms" },
      { query: "assignee=me", keep: (t) => t.assigneeId === adminId },
      { query: "status=open&assignee=me", keep: (t) => t.status === "open" && t.assigneeId === adminId },
      { query: "assignee=unassigned", keep: (t) => t.assigneeId === null },
      { query: "status=open&assignee=unassigned", keep: (t) => t.status === "open" && t.assigneeId === null },
      { query: `assignee=${otherId}`, keep: (t) => t.assigneeId === otherId },
      { query: `status=open&assignee=${otherId}`, keep: (t) => t.status === "open" && t.assigneeId === otherId },
      { query: "status=snoozed&channel=sms&assignee=unassigned", keep: (t) => t.status === "snoozed" && t.channel === "sms" && t.assigneeId === null },
    ];
    const seededIds = new Set(seeded.map((t) => t.id));

    for (const { query, keep } of variants) {
      const expected = byActivity.filter(keep);
      expect(expected.length, query).toBeGreaterThan(0);
      // One big page: the seeded tickets lead (they are the newest), every ticket matches the filter.
      const whole = await listAll(admin, query, 100);
      expect(whole.slice(0, expected.length), query).toEqual(expected);
      expect(
        whole.filter((t) => seededIds.has(t.id)),
        query,
      ).toEqual(expected);
      for (const t of whole) expect(keep(t), `${query}: ${JSON.stringify(t)}`).toBe(true);
      expect(
        whole.map((t) => t.id),
        query,
      ).not.toContain(hiddenId);
      expectNewestFirst(whole);
      // Small pages (boundaries inside ties): the same tickets, each exactly once, in the same order.
      for (const limit of [1, 2, 3]) {
        const paged = await listAll(admin, query, limit);
        expect(
          paged.map((t) => t.id),
          `${query} limit=${limit}`,
        ).toEqual(whole.map((t) => t.id));
        expect(new Set(paged.map((t) => t.id)).size).toBe(paged.length);
      }
    }

    // The tickets made through the chat earlier in this file are listed too, after the seeded ones.
    const everything = await listAll(admin, "", 2);
    expect(everything.map((t) => t.id)).toContain(firstTicketId);
    expect(everything.length).toBe(seeded.length + 3);

    // The default page size is 25 and a page says where to go on.
    const first = await json(await call("/api/tickets?limit=5", { cookie: admin }), 200);
    expect(first.tickets.map((t: TicketT) => t.id)).toEqual(byActivity.slice(0, 5).map((t) => t.id));
    expect(typeof first.nextCursor).toBe("string");
    const second = await json(await call(`/api/tickets?limit=5&cursor=${encodeURIComponent(first.nextCursor)}`, { cookie: admin }), 200);
    expect(second.tickets.map((t: TicketT) => t.id)).toEqual(byActivity.slice(5, 10).map((t) => t.id));
    const last = await json(await call("/api/tickets?status=closed&limit=100", { cookie: admin }), 200);
    expect(last.nextCursor).toBeNull();
  }, 60_000);

  it("answers bad filters with 400 invalid_request", async () => {
    for (const query of [
      "status=pending",
      "status=OPEN",
      "channel=fax",
      "limit=0",
      "limit=101",
      "limit=abc",
      "limit=2.5",
      "cursor=not-a-cursor",
      `cursor=${btoa("{}")}`,
      `cursor=${btoa("[1,2]")}`,
      `cursor=${"x".repeat(600)}`,
    ]) {
      await expectError(await call(`/api/tickets?${query}`, { cookie: admin }), 400, "invalid_request");
    }
    await expectError(await call("/api/tickets"), 401, "unauthorized");
    await expectError(await call("/api/inbox/counts"), 401, "unauthorized");
    expect((await call("/api/inbox/ws", { headers: { Upgrade: "websocket" } })).status).toBe(401);
  });

  it("refuses a cursor that decodes to a JSON string (not a [lastMessageAt, id] pair) with 400", async () => {
    // base64 of the JSON string "2099-01-01": not a [lastMessageAt, id] pair the API hands out.
    const cursor = btoa(JSON.stringify("2099-01-01")).replaceAll("=", "");
    await expectError(await call(`/api/tickets?cursor=${cursor}`, { cookie: admin }), 400, "invalid_request");
  });
});
