// Email continuity through the ticket's object (spec v2 "Email continuity"): an agent's reply a
// shopper with an email has not seen within `delayMinutes` is emailed to them, at most one email
// per ticket per delay, and a reply they read in time is not.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Conversation } from "../../durable-objects/conversation/Conversation";
import { forgetRecentSettings } from "../../worker/lib/settings";
import { conversationStub } from "../../worker/lib/stubs";
import { call, customer, customerSocket, eventually, json, login, sendAndWait, sleep, startChat, userHash } from "./helpers";

let admin: string;

const continuityEmails = async (ticketId: string) =>
  (
    await env.DB.prepare("SELECT recipient, subject FROM email_log WHERE ticket_id = ? AND kind = 'continuity' ORDER BY sent_at")
      .bind(ticketId)
      .all<{ recipient: string; subject: string }>()
  ).results;

const setContinuity = async (patch: Record<string, unknown>) =>
  json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { notifyFrom: "support@shop.test", emailContinuity: patch } }), 200);

const reply = (ticketId: string, body: string) =>
  call(`/api/tickets/${ticketId}/messages`, { method: "POST", cookie: admin, json: { clientId: crypto.randomUUID(), body } });

/** A shopper's chat with one message, their socket still open; its object reads the settings as they are now. */
async function chat(shopper?: { token: string }) {
  const who = shopper ?? (await customer());
  const ticket = await startChat(who.token);
  await runInDurableObject(conversationStub(env, ticket.id), (instance: Conversation) => forgetRecentSettings((instance as unknown as { env: Env }).env));
  const socket = await customerSocket(ticket.id, who.token);
  await socket.nextOfType("hello");
  await sendAndWait(socket, crypto.randomUUID(), "Where is my parcel?");
  return { ticket, socket };
}

type Internals = {
  outbox: { nextDueAt?: number | null; drain(): Promise<void> };
  core: { sql: SqlStorage; state: { reads: { customer: number }; continuity: { lastEmailAt: number | null } } };
};

/** The continuity job's due time, as stored. */
const dueAt = (ticketId: string) =>
  runInDurableObject(conversationStub(env, ticketId), (instance: Conversation) => {
    const row = (instance as unknown as Internals).core.sql.exec<{ next_at: number }>("SELECT next_at FROM outbox WHERE kind = 'continuity'").toArray()[0];
    return row?.next_at ?? null;
  });

/** Moves the clock an hour on for the ticket's continuity job (at most the delays here), and runs what is due. */
const runDelayedJob = (ticketId: string) =>
  runInDurableObject(conversationStub(env, ticketId), async (instance: Conversation) => {
    const internals = instance as unknown as Internals;
    const job = internals.core.sql.exec<{ created_at: number }>("SELECT created_at FROM outbox WHERE kind = 'continuity'").toArray()[0];
    if (!job) return;
    const hourAndMore = 61 * 60_000;
    const past = Date.now() - hourAndMore;
    internals.core.sql.exec("UPDATE outbox SET created_at = ?, next_at = ? WHERE kind = 'continuity'", past, past);
    const continuity = internals.core.state.continuity;
    if (continuity.lastEmailAt !== null) continuity.lastEmailAt -= hourAndMore;
    internals.outbox.nextDueAt = undefined;
    await internals.outbox.drain();
  });

beforeAll(async () => {
  admin = await login();
});

describe("email continuity", () => {
  it("emails an agent's reply the shopper has not seen, from the team, and logs it", async () => {
    await setContinuity({ enabled: true, delayMinutes: 0, teamName: "Borås Wool", chatUrl: "https://shop.test/help", color: "#aa3366" });
    const { ticket, socket } = await chat();
    socket.close();
    await json(await reply(ticket.id, "It left our warehouse today."), 201);
    await eventually(async () => expect(await continuityEmails(ticket.id)).toEqual([{ recipient: "casey@example.com", subject: "New reply from Borås Wool" }]));
  });

  it("does not email a reply the shopper read within the delay", async () => {
    await setContinuity({ enabled: true, delayMinutes: 5 });
    const { ticket, socket } = await chat();
    const sent = await json(await reply(ticket.id, "It left our warehouse today."), 201);
    expect(await dueAt(ticket.id)).toBeGreaterThan(Date.now() + 4 * 60_000);
    socket.send({ type: "read", seq: sent.message.seq });
    await eventually(async () =>
      expect(
        await runInDurableObject(conversationStub(env, ticket.id), (instance: Conversation) => (instance as unknown as Internals).core.state.reads.customer),
      ).toBe(sent.message.seq),
    );
    await runDelayedJob(ticket.id);
    expect(await dueAt(ticket.id)).toBeNull();
    expect(await continuityEmails(ticket.id)).toEqual([]);
    socket.close();
  });

  it("sends at most one email per ticket per delay, and the next carries only what is new", async () => {
    await setContinuity({ enabled: true, delayMinutes: 60, teamName: null, chatUrl: null });
    const { ticket, socket } = await chat();
    socket.close();
    await json(await reply(ticket.id, "First answer"), 201);
    await json(await reply(ticket.id, "Second answer"), 201);
    await runDelayedJob(ticket.id);
    await eventually(
      async () => expect(await continuityEmails(ticket.id)).toEqual([{ recipient: "casey@example.com", subject: "2 new replies from parley.test support" }]),
      2000,
    );
    const emailedAt = Date.now();
    await json(await reply(ticket.id, "Third answer"), 201);
    // Owed, but not before the delay has passed since the last email.
    expect(await dueAt(ticket.id)).toBeGreaterThanOrEqual(emailedAt + 59 * 60_000);
    await runDelayedJob(ticket.id);
    await eventually(async () =>
      expect((await continuityEmails(ticket.id)).map((email) => email.subject)).toEqual([
        "2 new replies from parley.test support",
        "New reply from parley.test support",
      ]),
    );
  });

  it("emails no one who has no address, nor anyone while it is switched off", async () => {
    await setContinuity({ enabled: true, delayMinutes: 0 });
    const externalId = `cust-${crypto.randomUUID()}`;
    const anonymous = await json(
      await call("/api/widget/session", { method: "POST", json: { customer: { id: externalId, name: "No Email" }, userHash: await userHash(externalId) } }),
      200,
    );
    const first = await chat(anonymous);
    first.socket.close();
    await json(await reply(first.ticket.id, "Answer"), 201);

    await setContinuity({ enabled: false });
    const second = await chat();
    second.socket.close();
    await sleep(200);
    await runDelayedJob(second.ticket.id);
    await json(await reply(second.ticket.id, "Answer"), 201);
    await runDelayedJob(second.ticket.id);
    await sleep(200);
    expect(await continuityEmails(first.ticket.id)).toEqual([]);
    expect(await continuityEmails(second.ticket.id)).toEqual([]);
  });

  it("refuses bad settings, naming the field, and changes nothing", async () => {
    await setContinuity({ enabled: true, delayMinutes: 5, teamName: "Borås Wool", chatUrl: null, color: null });
    const before = await json(await call("/api/settings", { cookie: admin }), 200);
    for (const [patch, field] of [
      [{ delayMinutes: -1 }, "emailContinuity.delayMinutes"],
      [{ delayMinutes: 1441 }, "emailContinuity.delayMinutes"],
      [{ delayMinutes: 2.5 }, "emailContinuity.delayMinutes"],
      [{ teamName: "   " }, "emailContinuity.teamName"],
      [{ chatUrl: "javascript:alert(1)" }, "emailContinuity.chatUrl"],
      [{ color: "red" }, "emailContinuity.color"],
      [{ enabled: "yes" }, "emailContinuity.enabled"],
      [{ replyDomain: "shop.test" }, "emailContinuity"],
    ] as const) {
      const response = await call("/api/settings", { method: "PATCH", cookie: admin, json: { emailContinuity: patch } });
      const body = await json<{ error: { code: string; message: string } }>(response, 400);
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.message, JSON.stringify(patch)).toContain(field);
    }
    expect(await json(await call("/api/settings", { cookie: admin }), 200)).toEqual(before);
  });
});
