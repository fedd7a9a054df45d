// Customer satisfaction (spec v2 "Customer satisfaction (CSAT)"): the setting, the shopper's one
// rating of a closed web chat and its refusals, the rating live on the ticket and in D1, the
// question coming back to a shopper who left, and an SMS ticket's question and reply by text.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import type { Conversation } from "../../durable-objects/conversation/Conversation";
import { conversationStub } from "../../worker/lib/stubs";
import { agentSocket, call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, startChat } from "./helpers";
import { conversation, EMPTY_TWIML, history, inbound, text, ticketOfSid, useSmsAccount, wire } from "./sms-fixtures";

useSmsAccount();

let admin: string;

const setCsat = (csat: { enabled?: boolean; question?: string }, extra: Record<string, unknown> = {}) =>
  call("/api/settings", { method: "PATCH", cookie: admin, json: { csat, ...extra } });

const rate = (ticketId: string, token: string, body: unknown) => call(`/api/widget/conversations/${ticketId}/rating`, { method: "POST", token, json: body });

const ticketOf = async (id: string) => (await json<{ ticket: TicketT }>(await call(`/api/tickets/${id}`, { cookie: admin }), 200)).ticket;

/** A customer with a web chat in which they wrote, and their socket. */
async function chat() {
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const socket = await customerSocket(ticket.id, shopper.token);
  await socket.nextOfType("hello");
  expect((await sendAndWait(socket, crypto.randomUUID(), "Where is my parcel?")).type).toBe("ack");
  return { shopper, ticket, socket };
}

/** Ends the chat as the shopper does, from the widget. */
async function endByShopper(socket: Awaited<ReturnType<typeof chat>>["socket"]) {
  socket.send({ type: "end" });
  await socket.next((f) => f.type === "status" && f.status === "closed");
}

/** Moves the ticket's close (or its SMS question) back in time, as if days had passed; D1 hears of it. */
function backdate(ticketId: string, change: { closedDaysAgo?: number; askedHoursAgo?: number }) {
  type Core = {
    state: { closedAt: string | null; ratingAskedAt: number | null };
    snapshot(): unknown;
    commit(before: unknown): void;
    schedule(): Promise<void>;
  };
  return runInDurableObject(conversationStub(env, ticketId), async (instance: Conversation) => {
    const core = (instance as unknown as { core: Core }).core;
    const before = core.snapshot();
    if (change.closedDaysAgo !== undefined) core.state.closedAt = new Date(Date.now() - change.closedDaysAgo * 86_400_000).toISOString();
    if (change.askedHoursAgo !== undefined) core.state.ratingAskedAt = Date.now() - change.askedHoursAgo * 3_600_000;
    core.commit(before);
    await core.schedule();
  });
}

beforeAll(async () => {
  admin = await login();
  await json(await setCsat({ enabled: true, question: "How did we do?" }), 200);
});

describe("CSAT settings", () => {
  it("is off by default, and the widget's config carries the question in the shopper's language", async () => {
    await json(await setCsat({ enabled: false }), 200);
    expect((await json(await call("/api/widget/config"), 200)).csat).toEqual({ enabled: false, question: "How did we do?" });
    await json(await setCsat({ enabled: true }, { translations: { sv: { csatQuestion: "Hur gick det?" } } }), 200);
    expect((await json(await call("/api/widget/config?locale=sv-SE"), 200)).csat).toEqual({ enabled: true, question: "Hur gick det?" });
    expect((await json(await call("/api/widget/config?locale=de"), 200)).csat.question).toBe("How did we do?");
  });

  it("refuses a question that is empty or too long, and changes nothing", async () => {
    for (const question of ["   ", "x".repeat(4001)]) await expectError(await setCsat({ question }), 400, "invalid_request");
    await expectError(await setCsat({ enabled: "yes" as unknown as boolean }), 400, "invalid_request");
    const { csat } = await json(await call("/api/settings", { cookie: admin }), 200);
    expect(csat).toEqual({ enabled: true, question: "How did we do?" });
  });
});

describe("rating a web chat", () => {
  it("takes the shopper's rating once the chat is closed, live on the agent's ticket socket and then in D1", async () => {
    const { shopper, ticket, socket } = await chat();
    const agent = await agentSocket(ticket.id, admin);
    expect((await agent.nextOfType("hello")).rating).toBeNull();
    await expectError(await rate(ticket.id, shopper.token, { score: 5 }), 409, "not_closed");

    await endByShopper(socket);
    const { rating } = await json(await rate(ticket.id, shopper.token, { score: 5, comment: "  Quick and kind, thanks!  " }), 201);
    expect(rating).toEqual({ score: 5, comment: "Quick and kind, thanks!", createdAt: expect.any(String) });
    expect((await agent.nextOfType("rating")).rating).toEqual(rating);
    expect((await socket.nextOfType("rating")).rating).toEqual(rating);
    await eventually(async () => expect((await ticketOf(ticket.id)).rating).toEqual(rating));

    // A reconnecting widget learns of it from the hello.
    const again = await customerSocket(ticket.id, shopper.token);
    expect((await again.nextOfType("hello")).rating).toEqual(rating);
    for (const c of [agent, socket, again]) c.close();
  });

  it("takes a rating after an agent closes the chat, without a comment", async () => {
    const { shopper, ticket, socket } = await chat();
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    await socket.next((f) => f.type === "status" && f.status === "closed");
    const { rating } = await json(await rate(ticket.id, shopper.token, { score: 2, comment: "" }), 201);
    expect(rating).toMatchObject({ score: 2, comment: null });
    socket.close();
  });

  it("refuses a second rating, another customer's ticket, a bad score and a stale chat with the contract's codes, and changes nothing", async () => {
    const { shopper, ticket, socket } = await chat();
    await endByShopper(socket);
    for (const body of [{ score: 0 }, { score: 6 }, { score: 3.5 }, { score: "5" }, {}, { score: 4, comment: "x".repeat(1001) }, { score: 4, extra: 1 }]) {
      await expectError(await rate(ticket.id, shopper.token, body), 400, "invalid_request");
    }
    const stranger = await customer();
    await expectError(await rate(ticket.id, stranger.token, { score: 1 }), 403, "forbidden");
    await expectError(await rate("tkt_nonexistent", shopper.token, { score: 1 }), 404, "not_found");
    expect((await ticketOf(ticket.id)).rating).toBeNull();

    await json(await rate(ticket.id, shopper.token, { score: 4 }), 201);
    await expectError(await rate(ticket.id, shopper.token, { score: 1 }), 409, "already_exists");
    await eventually(async () => expect((await ticketOf(ticket.id)).rating?.score).toBe(4));

    const late = await chat();
    await endByShopper(late.socket);
    await backdate(late.ticket.id, { closedDaysAgo: 8 });
    await expectError(await rate(late.ticket.id, late.shopper.token, { score: 5 }), 403, "forbidden");
    for (const c of [socket, late.socket]) c.close();
  });

  it("brings a shopper who left back to the question within 7 days, and never after they rated", async () => {
    const { shopper, ticket, socket } = await chat();
    const unrated = () => call("/api/widget/conversations/unrated", { token: shopper.token });
    expect((await json(await unrated(), 200)).ticket).toBeNull();
    await endByShopper(socket);
    await eventually(async () => expect((await json(await unrated(), 200)).ticket?.id).toBe(ticket.id));

    await json(await setCsat({ enabled: false }), 200);
    expect((await json(await unrated(), 200)).ticket).toBeNull();
    await json(await setCsat({ enabled: true }), 200);

    await json(await rate(ticket.id, shopper.token, { score: 3 }), 201);
    await eventually(async () => expect((await json(await unrated(), 200)).ticket).toBeNull());
    socket.close();

    const stale = await chat();
    await endByShopper(stale.socket);
    const staleUnrated = () => call("/api/widget/conversations/unrated", { token: stale.shopper.token });
    await eventually(async () => expect((await json(await staleUnrated(), 200)).ticket?.id).toBe(stale.ticket.id));
    await backdate(stale.ticket.id, { closedDaysAgo: 8 });
    await eventually(async () => expect((await json(await staleUnrated(), 200)).ticket).toBeNull());
    stale.socket.close();
  });
});

describe("rating an SMS ticket by text", () => {
  it("texts the question when the ticket closes, and takes a reply of 1 to 5 within a day as its rating, not a new ticket", async () => {
    const { phone, ticketId } = await conversation("My order never came");
    const before = (await wire.requests("twilio")).length;
    await json(await call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    const question = await eventually(async () => {
      const sent = (await wire.requests("twilio")).slice(before).map((request) => new URLSearchParams(request.body));
      const form = sent.find((f) => f.get("To") === phone);
      expect(form?.get("Body")).toBe("How did we do? Reply with a number from 1 (poor) to 5 (great).");
      return form;
    });
    expect(question).toBeTruthy();
    expect((await history(ticketId)).at(-1)).toMatchObject({ author: { kind: "bot" }, body: question!.get("Body") });

    const reply = inbound(phone, " 4 ");
    expect(await text(reply)).toBe(EMPTY_TWIML);
    expect(await ticketOfSid(reply.MessageSid)).toBe(ticketId);
    await eventually(async () => expect((await ticketOf(ticketId)).rating).toMatchObject({ score: 4, comment: null }));

    // Rated already: the next number is a message, and opens a new ticket.
    const next = inbound(phone, "5");
    await text(next);
    const opened = await ticketOfSid(next.MessageSid);
    expect(opened).not.toBe(ticketId);
    expect((await history(opened!)).map((m) => m.body)).toEqual(["5"]);
  });

  it("takes a number after a day, or anything but a bare number, as a message", async () => {
    const { phone, ticketId } = await conversation("Wrong size");
    await json(await call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    await eventually(async () => expect((await history(ticketId)).at(-1)?.author.kind).toBe("bot"));

    const sentence = inbound(phone, "5 stars, thanks");
    await text(sentence);
    const opened = await ticketOfSid(sentence.MessageSid);
    expect(opened).not.toBe(ticketId);
    await json(await call(`/api/tickets/${opened}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);

    await backdate(opened!, { askedHoursAgo: 25 });
    const late = inbound(phone, "3");
    await text(late);
    expect(await ticketOfSid(late.MessageSid)).not.toBe(opened);
    expect((await ticketOf(opened!)).rating).toBeNull();
  });

  it("records an SMS ticket's report facts, and a text after the close starts a ticket with facts of its own", async () => {
    const { phone, ticketId } = await conversation("Is the blue one back in stock?");
    await json(
      await call(`/api/tickets/${ticketId}/messages`, { method: "POST", cookie: admin, json: { clientId: crypto.randomUUID(), body: "Yes, since Monday" } }),
      201,
    );
    await json(await call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    const factsOf = (id: string) =>
      env.DB.prepare("SELECT started_at, first_response_s, first_responder_id, resolution_s, agent_replies FROM tickets WHERE id = ?").bind(id).first<{
        started_at: number | null;
        first_response_s: number | null;
        first_responder_id: string | null;
        resolution_s: number | null;
        agent_replies: string;
      }>();
    const me = (await json(await call("/api/me", { cookie: admin }), 200)).agent;
    const first = await eventually(async () => {
      const row = await factsOf(ticketId);
      expect(row?.resolution_s).not.toBeNull();
      return row!;
    });
    expect(first).toMatchObject({ first_responder_id: me.id, agent_replies: JSON.stringify({ [me.id]: 1 }) });
    expect(first.first_response_s).toBeGreaterThanOrEqual(0);

    const later = inbound(phone, "One more thing: do you ship to Norway?");
    await text(later);
    const next = (await ticketOfSid(later.MessageSid))!;
    expect(next).not.toBe(ticketId);
    const second = await eventually(async () => {
      const row = await factsOf(next);
      expect(row?.started_at).not.toBeNull();
      return row!;
    });
    expect(second).toMatchObject({ first_response_s: null, first_responder_id: null, resolution_s: null, agent_replies: "{}" });
    expect(second.started_at).toBeGreaterThanOrEqual(first.started_at!);
    expect(await factsOf(ticketId)).toEqual(first);
  });

  it("asks nothing when CSAT is off", async () => {
    await json(await setCsat({ enabled: false }), 200);
    try {
      const { ticketId } = await conversation("Just a question");
      await json(await call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await history(ticketId)).map((m) => m.author.kind)).toEqual(["customer"]);
    } finally {
      await json(await setCsat({ enabled: true }), 200);
    }
  });
});
