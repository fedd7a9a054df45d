// Edge cases found in review: a ticket object that missed its opening, sessions ending while
// sockets are open, send budgets shared across sockets, and profile fields the browser may not rewrite.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../../worker/db/client";
import { tickets } from "../../worker/db/schema";
import { newId, nowIso } from "../../worker/lib/ids";
import {
  addAgent,
  agentSocket,
  call,
  connect,
  customer,
  customerSocket,
  eventually,
  expectError,
  json,
  login,
  sendAndWait,
  sleep,
  startChat,
  userHash,
} from "./helpers";

const d1Row = (id: string) =>
  env.DB.prepare("SELECT status, visible, version FROM tickets WHERE id = ?").bind(id).first<{ status: string; visible: number; version: number }>();

/** A ticket D1 accepted whose object was never initialised: its opener failed after the insert. */
async function orphanTicket(profileId: string) {
  const id = newId("tkt");
  await db(env.DB).insert(tickets).values({
    id,
    channel: "webchat",
    status: "open",
    profileId,
    customerName: null,
    unread: false,
    visible: false,
    createdAt: nowIso(),
    version: 1,
  });
  return id;
}

describe("a ticket whose object missed its opening", () => {
  it("is adopted from D1 with D1's version, so its first message still reaches the inbox", async () => {
    const admin = await login();
    const shopper = await customer();
    const id = await orphanTicket(shopper.profileId);
    const { ticket } = await json(await call("/api/widget/conversations/active", { token: shopper.token }), 200);
    expect(ticket.id).toBe(id);

    const socket = await customerSocket(id, shopper.token);
    expect(await sendAndWait(socket, "o-1", "hello?")).toEqual({ type: "ack", clientId: "o-1", seq: 1 });
    // D1's version 1, the message, and deciding who answers it.
    await eventually(async () => expect(await d1Row(id)).toMatchObject({ visible: 1, version: 3 }));
    const list = await json(await call("/api/tickets?status=open", { cookie: admin }), 200);
    expect(list.tickets.map((t: { id: string }) => t.id)).toContain(id);
    socket.close();
  });

  it("can be ended before the customer writes, and a new chat is then a new ticket", async () => {
    const shopper = await customer();
    const id = await orphanTicket(shopper.profileId);
    const again = await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 200);
    expect(again.ticket.id).toBe(id);
    const socket = await customerSocket(id, shopper.token);
    await socket.nextOfType("hello");
    socket.send({ type: "end" });
    expect(await socket.nextOfType("status")).toMatchObject({ status: "closed" });

    const fresh = await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 201);
    expect(fresh.ticket.id).not.toBe(id);
    expect(await d1Row(id)).toMatchObject({ status: "closed" });
    socket.close();
  });
});

describe("sessions ending while sockets are open", () => {
  it("logout ends the session's inbox and ticket sockets at once", async () => {
    const admin = await login();
    const { cookie } = await addAgent(admin);
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const c = await customerSocket(ticket.id, shopper.token);
    await sendAndWait(c, "l-1", "anyone?");

    const inbox = await connect("/api/inbox/ws", { cookie });
    await inbox.nextOfType("counts");
    const agent = await agentSocket(ticket.id, cookie);
    await agent.nextOfType("hello");
    const other = await agentSocket(ticket.id, admin);
    await other.nextOfType("hello");

    // The ticket socket is registered with the inbox in the background; logout relies on it.
    await eventually(async () => expect(await sessionTicketRows()).toBeGreaterThan(0));
    expect((await call("/api/auth/logout", { method: "POST", cookie })).status).toBe(204);

    for (const socket of [inbox, agent]) {
      expect(await socket.nextOfType("error")).toMatchObject({ code: "unauthorized" });
      await eventually(async () => expect(socket.closed?.code).toBe(4001));
    }
    // Another agent's socket on the same ticket is untouched.
    c.send({ type: "send", clientId: "l-2", body: "still there?" });
    expect(await other.next((f) => f.type === "message" && f.clientId === "l-2")).toBeTruthy();
    for (const socket of [c, other]) socket.close();
  });

  it("a socket whose session expired is ended at the next broadcast, without sending anything itself", async () => {
    const admin = await login();
    const { agent, cookie } = await addAgent(admin);
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE agent_id = ?")
      .bind(new Date(Date.now() + 1500).toISOString(), agent.id)
      .run();
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const c = await customerSocket(ticket.id, shopper.token);
    await sendAndWait(c, "e-1", "hi");
    const watcher = await agentSocket(ticket.id, cookie);
    await watcher.nextOfType("hello");
    await sleep(1600);
    c.send({ type: "send", clientId: "e-2", body: "secret order details" });
    expect(await watcher.nextOfType("error")).toMatchObject({ code: "unauthorized" });
    expect(watcher.frames.some((f) => f.clientId === "e-2")).toBe(false);
    await eventually(async () => expect(watcher.closed?.code).toBe(4001));
    c.close();
  });
});

/** Rows the inbox keeps of which tickets sessions have sockets on. */
function sessionTicketRows(): Promise<number> {
  return runInDurableObject(
    env.INBOX.get(env.INBOX.idFromName("inbox")),
    (_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM session_tickets").one().n as number,
  );
}

describe("send budgets", () => {
  it("are per sender, however many sockets the sender opens", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const sockets = [await customerSocket(ticket.id, shopper.token), await customerSocket(ticket.id, shopper.token)];
    // Each socket stays well inside the budget on its own; together they exceed it.
    const budget = Number(env.SEND_RATE_PER_10S);
    const total = budget + 20;
    for (let i = 0; i < total; i++) sockets[i % 2]!.send({ type: "send", clientId: `b-${i}`, body: `message ${i}` });
    const answers = [];
    for (let i = 0; i < total; i++) answers.push(await sockets[i % 2]!.next((f) => f.clientId === `b-${i}` && (f.type === "ack" || f.type === "error")));
    const refused = answers.filter((f) => f.type === "error");
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((f) => f.code === "rate_limited")).toBe(true);
    for (const socket of sockets) socket.close();
  });
});

describe("profile fields", () => {
  it("the store's server sets email and name; the shopper's browser cannot overwrite them", async () => {
    const externalId = `store-${crypto.randomUUID()}`;
    await json(
      await call("/api/events", {
        method: "POST",
        token: env.API_KEY,
        json: { profile: { externalId, email: "real@example.com", name: "Real Name" }, event: { name: "Signed Up" } },
      }),
      202,
    );
    const session = await json(
      await call("/api/widget/session", {
        method: "POST",
        json: { customer: { id: externalId, email: "spoof@example.com", name: "Spoofed" }, userHash: await userHash(externalId) },
      }),
      200,
    );
    const profile = await env.DB.prepare("SELECT email, name FROM profiles WHERE id = ?").bind(session.profileId).first();
    expect(profile).toEqual({ email: "real@example.com", name: "Real Name" });
  });

  it("refuses oversized event properties and leaves the profile as it was", async () => {
    const externalId = `big-${crypto.randomUUID()}`;
    await json(
      await call("/api/events", { method: "POST", token: env.API_KEY, json: { profile: { externalId, name: "Before" }, event: { name: "Signed Up" } } }),
      202,
    );
    const error = await expectError(
      await call("/api/events", {
        method: "POST",
        token: env.API_KEY,
        json: { profile: { externalId, name: "After" }, event: { name: "Huge", properties: { blob: "x".repeat(17 * 1024) } } },
      }),
      400,
      "invalid_request",
    );
    expect(error.message).toContain("properties");
    expect(await env.DB.prepare("SELECT name FROM profiles WHERE external_id = ?").bind(externalId).first()).toEqual({ name: "Before" });
  });

  it("an empty name from the browser is a bad request, and a long wrong userHash is a wrong identity", async () => {
    const externalId = `x-${crypto.randomUUID()}`;
    await expectError(
      await call("/api/widget/session", { method: "POST", json: { customer: { id: externalId, name: "" }, userHash: await userHash(externalId) } }),
      400,
      "invalid_request",
    );
    await expectError(
      await call("/api/widget/session", { method: "POST", json: { customer: { id: externalId }, userHash: "ab".repeat(500) } }),
      401,
      "invalid_identity",
    );
  });
});

describe("small contract details", () => {
  it("treats empty list filters (`?status=&channel=`) as no filter", async () => {
    const admin = await login();
    // An open and a closed ticket, both in the inbox.
    const ids: string[] = [];
    for (const close of [false, true]) {
      const shopper = await customer();
      const ticket = await startChat(shopper.token);
      const socket = await customerSocket(ticket.id, shopper.token);
      await sendAndWait(socket, "f-1", "hello");
      if (close) {
        socket.send({ type: "end" });
        await socket.nextOfType("status");
      }
      socket.close();
      ids.push(ticket.id);
    }
    const listed = async (query: string) =>
      (await json(await call(`/api/tickets${query}`, { cookie: admin }), 200)).tickets.map((t: { id: string; status: string }) => `${t.id}:${t.status}`);
    await eventually(async () => expect(await listed("")).toEqual(expect.arrayContaining([`${ids[0]}:open`, `${ids[1]}:closed`])));
    expect(await listed("?status=&channel=&assignee=")).toEqual(await listed(""));
    // A real filter does filter.
    expect(await listed("?status=open")).not.toContain(`${ids[1]}:closed`);
  });

  it("serves /demo only when DEMO is on (npm start turns it on; wrangler.toml leaves it off)", async () => {
    expect(env.DEMO).toBe("off");
    await expectError(await call("/demo"), 404, "not_found");
  });
});
