// Private notes and mentions (spec v2 "Notes, mentions, labels"): stored and live for the team,
// and never on any path to the customer: their socket and its history, the message seq, SMS,
// notification emails, webhooks.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_CHARS, type NoteT, type TicketT } from "../../contract";
import { ALL_EVENTS } from "./webhooks-fixtures";
import { Client, agentSocket, call, connect, customer, customerSocket, eventually, expectError, json, login, sendAndWait, sleep, startChat } from "./helpers";
import { loggedFor } from "./notifications-fixtures";
import { barrier, expectAck, history, restReply, stubOf } from "./realtime-fixtures";
import { conversation, useSmsAccount, wire } from "./sms-fixtures";
import { receiverScope } from "./webhook-receiver-control";

let admin: string;
let adaLindqvist: { agent: { id: string; email: string }; cookie: string };
let ada: { agent: { id: string; email: string }; cookie: string };
let bo: { agent: { id: string; email: string }; cookie: string };

async function teammate(name: string) {
  const email = `${name.toLowerCase().replaceAll(" ", ".")}-${crypto.randomUUID().slice(0, 6)}@example.com`;
  const password = "agent-password-123";
  const { agent } = await json(await call("/api/agents", { method: "POST", cookie: admin, json: { email, name, role: "agent", password } }), 201);
  return { agent, cookie: await login(email, password) };
}

// SMS with the local Twilio stand-in, for the SMS ticket below.
useSmsAccount();

beforeAll(async () => {
  admin = await login();
  adaLindqvist = await teammate("Ada Lindqvist");
  ada = await teammate("Ada");
  bo = await teammate("Bo");
});

const postNote = (ticketId: string, cookie: string, clientId: string, body: string) =>
  call(`/api/tickets/${ticketId}/notes`, { method: "POST", cookie, json: { clientId, body } });

async function writeNote(ticketId: string, cookie: string, clientId: string, body: string): Promise<NoteT> {
  return (await json<{ note: NoteT }>(await postNote(ticketId, cookie, clientId, body), 201)).note;
}

const notesOf = async (ticketId: string, cookie = admin) =>
  (await json<{ notes: NoteT[] }>(await call(`/api/tickets/${ticketId}/notes`, { cookie }), 200)).notes;

/** A web chat with the customer's first message, the customer's socket and an agent's socket on it. */
async function chatWithAgent() {
  const { token } = await customer(undefined, "Nora Notes");
  const ticket = await startChat(token);
  const shopper = await customerSocket(ticket.id, token);
  await shopper.nextOfType("hello");
  expect((await sendAndWait(shopper, "c1", "Where is my parcel?")).type).toBe("ack");
  const agent = await agentSocket(ticket.id, bo.cookie);
  await agent.nextOfType("hello");
  return { ticket, token, customer: shopper, agent };
}

const noteFrames = (client: Client) => client.frames.filter((frame) => frame.type === "note");

describe("notes", () => {
  it("are stored, listed, and live to every agent on the ticket, never to the customer or into the seq", async () => {
    const { ticket, token, customer, agent } = await chatWithAgent();
    const other = await agentSocket(ticket.id, admin);
    await other.nextOfType("hello");

    const note = await writeNote(ticket.id, bo.cookie, "n1", "Customer sounds upset, be gentle");
    expect(note).toMatchObject({
      clientId: "n1",
      ticketId: ticket.id,
      author: { kind: "agent", id: bo.agent.id, name: "Bo" },
      body: "Customer sounds upset, be gentle",
      mentions: [],
    });
    expect(await agent.next((frame) => frame.type === "note")).toEqual({ type: "note", note });
    expect(await other.next((frame) => frame.type === "note")).toEqual({ type: "note", note });
    expect(await notesOf(ticket.id)).toEqual([note]);

    // Every frame the object sent the customer before the barrier has arrived: no note among them.
    await barrier(customer);
    expect(noteFrames(customer)).toEqual([]);
    expect(JSON.stringify(customer.frames)).not.toContain("be gentle");
    // The customer's history (a fresh socket replays the thread) and the agents' message history.
    const replay = await customerSocket(ticket.id, token, 0);
    await replay.nextOfType("hello");
    await barrier(replay);
    expect(replay.messages().map((message) => message.body)).toEqual(["Where is my parcel?"]);
    expect((await history(ticket.id, admin)).map((message) => message.seq)).toEqual([1]);

    // The seq stays gap-free on both sides after the note.
    await expectAck(customer, "c2", "Hello?", 2);
    expect((await json(await restReply(ticket.id, bo.cookie, "a1", "On its way!"), 201)).message.seq).toBe(3);
    expect((await history(ticket.id, admin)).map((message) => message.seq)).toEqual([1, 2, 3]);
    await barrier(customer);
    expect(noteFrames(customer)).toEqual([]);
    for (const socket of [customer, replay, agent, other]) socket.close();
  });

  it("are idempotent by clientId, and refuse one another agent used", async () => {
    const { ticket, customer, agent } = await chatWithAgent();
    const first = await writeNote(ticket.id, bo.cookie, "same", "Checked the warehouse");
    const again = await json<{ note: NoteT }>(await postNote(ticket.id, bo.cookie, "same", "Checked the warehouse"), 200);
    expect(again.note).toEqual(first);
    await expectError(await postNote(ticket.id, admin, "same", "Someone else's words"), 400, "invalid_request");
    expect(await notesOf(ticket.id)).toEqual([first]);
    // The repeat was not sent live again.
    await agent.next((frame) => frame.type === "note");
    await barrier(agent);
    expect(noteFrames(agent)).toHaveLength(1);
    customer.close();
    agent.close();
  });

  it("refuse a bad body with a 400 that changes nothing, answer 404 for an unknown ticket, and are allowed on closed tickets", async () => {
    const { ticket, customer, agent } = await chatWithAgent();
    for (const body of ["", "   ", "x".repeat(MAX_BODY_CHARS + 1)]) {
      const error = await expectError(await postNote(ticket.id, bo.cookie, `bad-${body.length}`, body), 400, "invalid_request");
      expect(error.message).toContain("body");
    }
    await expectError(
      await call(`/api/tickets/${ticket.id}/notes`, { method: "POST", cookie: bo.cookie, json: { body: "no clientId" } }),
      400,
      "invalid_request",
    );
    expect(await notesOf(ticket.id)).toEqual([]);
    await expectError(await postNote("tkt_nope", bo.cookie, "n", "Hello"), 404, "not_found");
    await expectError(await call("/api/tickets/tkt_nope/notes", { cookie: bo.cookie }), 404, "not_found");
    await expectError(await call(`/api/tickets/${ticket.id}/notes`), 401, "unauthorized");

    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: bo.cookie, json: { status: "closed" } }), 200);
    const late = await writeNote(ticket.id, bo.cookie, "after-close", "Closed: refund sent");
    expect(await notesOf(ticket.id)).toEqual([late]);
    expect((await writeNote(ticket.id, bo.cookie, "full", "x".repeat(MAX_BODY_CHARS))).body).toHaveLength(MAX_BODY_CHARS);
    customer.close();
    agent.close();
  });
});

describe("mentions", () => {
  const inboxOf = async (cookie: string) => {
    const socket = await connect("/api/inbox/ws", { cookie });
    await socket.nextOfType("counts");
    return socket;
  };
  const mentionedTickets = async (cookie: string, query = "") =>
    (await json<{ tickets: TicketT[] }>(await call(`/api/tickets?mentioned=me${query}`, { cookie }), 200)).tickets.map((ticket) => ticket.id);

  it("by name (the longest, any case, with spaces) or email are stored, and reach only the mentioned agent's inbox", async () => {
    const { ticket, customer, agent } = await chatWithAgent();
    const [lindqvistInbox, adaInbox, boInbox] = await Promise.all([inboxOf(adaLindqvist.cookie), inboxOf(ada.cookie), inboxOf(bo.cookie)]);

    const note = await writeNote(ticket.id, bo.cookie, "m1", "@ada lindqvist can you check? cc @Bo.");
    expect(note.mentions).toEqual([adaLindqvist.agent.id, bo.agent.id]);
    expect(await lindqvistInbox.next((frame) => frame.type === "mention")).toEqual({ type: "mention", ticketId: ticket.id, noteId: note.id });
    expect(await boInbox.next((frame) => frame.type === "mention")).toEqual({ type: "mention", ticketId: ticket.id, noteId: note.id });
    await sleep(200);
    expect(adaInbox.frames.filter((frame) => frame.type === "mention")).toEqual([]);

    const byEmail = await writeNote(ticket.id, bo.cookie, "m2", `Over to @${ada.agent.email.toUpperCase()}, and not @Adamant or me@ada`);
    expect(byEmail.mentions).toEqual([ada.agent.id]);
    expect(await adaInbox.next((frame) => frame.type === "mention")).toEqual({ type: "mention", ticketId: ticket.id, noteId: byEmail.id });
    expect((await writeNote(ticket.id, bo.cookie, "m3", "Ask @Ada, @ada and @ADA")).mentions).toEqual([ada.agent.id]);

    const rows = await env.DB.prepare("SELECT agent_id, note_id, ticket_id FROM mentions WHERE ticket_id = ? ORDER BY created_at, agent_id")
      .bind(ticket.id)
      .all();
    expect(rows.results).toHaveLength(4);
    expect(rows.results).toContainEqual({ agent_id: adaLindqvist.agent.id, note_id: note.id, ticket_id: ticket.id });
    // A repeated note mentions nobody twice.
    await json(await postNote(ticket.id, bo.cookie, "m1", "@ada lindqvist can you check? cc @Bo."), 200);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM mentions WHERE ticket_id = ?").bind(ticket.id).first())!.n).toBe(4);
    for (const socket of [customer, agent, lindqvistInbox, adaInbox, boInbox]) socket.close();
  });

  it("?mentioned=me lists the tickets whose notes mention the agent, in the list's order, with the other filters", { timeout: 20_000 }, async () => {
    const [older, newer, unmentioned] = [await chatWithAgent(), await chatWithAgent(), await chatWithAgent()];
    const mentionedOnly = (ids: string[]) => ids.filter((id) => [older.ticket.id, newer.ticket.id, unmentioned.ticket.id].includes(id));
    expect(mentionedOnly(await mentionedTickets(adaLindqvist.cookie))).toEqual([]);
    await writeNote(older.ticket.id, bo.cookie, "x1", "@Ada Lindqvist look");
    await writeNote(newer.ticket.id, bo.cookie, "x2", "@Ada Lindqvist and this one");
    await writeNote(unmentioned.ticket.id, bo.cookie, "x3", "Nobody here");

    // Newest activity first, as the list always is (D1's copy of the tickets follows their objects).
    await eventually(async () => expect(mentionedOnly(await mentionedTickets(adaLindqvist.cookie))).toEqual([newer.ticket.id, older.ticket.id]));
    expect(mentionedOnly(await mentionedTickets(bo.cookie))).toEqual([]);
    await json(await call(`/api/tickets/${older.ticket.id}`, { method: "PATCH", cookie: bo.cookie, json: { status: "closed" } }), 200);
    await eventually(async () => expect(mentionedOnly(await mentionedTickets(adaLindqvist.cookie, "&status=closed"))).toEqual([older.ticket.id]));
    await expectError(await call("/api/tickets?mentioned=someone", { cookie: bo.cookie }), 400, "invalid_request");
    for (const chat of [older, newer, unmentioned]) {
      chat.customer.close();
      chat.agent.close();
    }
  });
});

describe("no path to the customer", () => {
  it("sends no SMS: an agent's reply goes out by text, a note does not", { timeout: 20_000 }, async () => {
    const { ticketId } = await conversation("Is my order on its way?");
    await writeNote(ticketId, bo.cookie, "sms-note", "Secret: customer is a VIP");
    await json(await restReply(ticketId, bo.cookie, "sms-reply", "Yes, it ships today"), 201);
    const sent = await eventually(async () => {
      const requests = await wire.requests("twilio");
      expect(requests.some((request) => request.body.includes("ships+today") || request.body.includes("ships%20today"))).toBe(true);
      return requests;
    }, 10_000);
    expect(sent.filter((request) => request.body.includes("VIP"))).toEqual([]);
    expect((await history(ticketId, admin)).map((message) => message.seq)).toEqual([1, 2]);
  });

  it("sends no webhook: message events go out, a note's words in none of them", { timeout: 20_000 }, async () => {
    const receiver = receiverScope();
    const { webhook } = await json(
      await call("/api/webhooks", { method: "POST", cookie: admin, json: { url: receiver.url("/notes"), events: ALL_EVENTS } }),
      201,
    );
    const { ticket, customer, agent } = await chatWithAgent();
    await writeNote(ticket.id, bo.cookie, "hook-note", "Secret: refund approved internally");
    await json(await restReply(ticket.id, bo.cookie, "hook-reply", "We are on it"), 201);
    const requests = await eventually(async () => {
      const received = await receiver.requests("/notes");
      expect(received.some((request) => request.body.includes("We are on it"))).toBe(true);
      return received;
    }, 10_000);
    expect(requests.filter((request) => request.body.includes("refund approved"))).toEqual([]);
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
    await receiver.reset();
    customer.close();
    agent.close();
  });

  it("sends no email: a customer's reply emails the opted-in assignee, a note does not", { timeout: 20_000 }, async () => {
    await json(await call("/api/me", { method: "PATCH", cookie: bo.cookie, json: { notifyOnAssignedReply: true } }), 200);
    const { ticket, customer, agent } = await chatWithAgent();
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { assigneeId: bo.agent.id } }), 200);
    const kinds = async () => (await loggedFor(ticket.id)).map((row) => row.kind).filter((kind) => kind !== "new_ticket");
    await writeNote(ticket.id, admin, "mail-note", "@Bo have a look");
    await sleep(Number(env.NOTIFY_EMAIL_INTERVAL_MS) * 1.5);
    expect(await kinds()).toEqual([]);
    expect((await sendAndWait(customer, "c-mail", "Any news?")).type).toBe("ack");
    await eventually(async () => expect(await kinds()).toEqual(["customer_reply"]), 10_000);
    await json(await call("/api/me", { method: "PATCH", cookie: bo.cookie, json: { notifyOnAssignedReply: false } }), 200);
    customer.close();
    agent.close();
  });

  it("leaves the ticket's object without the note: its message log holds messages only", async () => {
    const { ticket, customer, agent } = await chatWithAgent();
    await writeNote(ticket.id, bo.cookie, "log-note", "Only for us");
    expect((await stubOf(ticket.id).history(null, 50)).map((message) => message.body)).toEqual(["Where is my parcel?"]);
    customer.close();
    agent.close();
  });
});
