// Outgoing webhooks through the ticket's object: events reaching the receiver in order, signed,
// retried after failures.
import { describe, expect, it } from "vitest";
import { addAgent, call, customer, customerSocket, eventually, json, sendAndWait, startChat } from "./helpers";
import { admin, ALL_EVENTS, deliveries, receiver, register, useWebhooksAdmin, verifyParleySignature } from "./webhooks-fixtures";

useWebhooksAdmin();

// --- Through the ticket's object ---------------------------------------------------------------
// The ticket's object (durable-objects/Conversation.ts) fans each event out to the subscribed
// endpoints and delivers through its outbox with deliverWebhook, retrying with backoff.

describe("events from tickets", () => {
  type Event = { id: string; type: string; data: any };
  const delivered = async (path: string, secret: string) => {
    const requests = await receiver.requests(path);
    for (const request of requests) expect(await verifyParleySignature(secret, request.headers["x-parley-signature"] ?? null, request.body)).toBe(true);
    return requests;
  };

  it("a customer's message reaches the receiver as message.created, signed", async () => {
    const { webhook, secret } = await register({ url: receiver.url("/messages"), events: ["message.created"] });
    const { token } = await customer(`webhook-flow-${crypto.randomUUID()}`);
    const ticket = await startChat(token);
    const socket = await customerSocket(ticket.id, token);
    expect((await sendAndWait(socket, "m1", "Is my order on its way?")).type).toBe("ack");
    socket.close();

    const [request] = await eventually(async () => {
      const requests = await delivered("/messages", secret);
      expect(requests.length).toBeGreaterThan(0);
      return requests;
    }, 10_000);
    const event = JSON.parse(request!.body) as Event;
    expect(request!.headers["x-parley-event"]).toBe("message.created");
    expect(event).toMatchObject({
      type: "message.created",
      data: { ticket: { id: ticket.id }, message: { body: "Is my order on its way?", author: { kind: "customer" } } },
    });
    const log = await eventually(async () => {
      const [entry] = await deliveries(`?webhookId=${webhook.id}`);
      expect(entry).toMatchObject({
        id: request!.headers["x-parley-delivery"],
        event: "message.created",
        ticketId: ticket.id,
        status: "delivered",
        attempts: 1,
      });
      return entry;
    });
    expect(log!.lastError).toBeNull();
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  }, 20_000);

  it("retries after a 500 from the receiver, with the same delivery id and body, and keeps each ticket's order", async () => {
    const { webhook, secret } = await register({ url: receiver.url("/ordered"), events: ALL_EVENTS });
    await receiver.reply({ status: 500, times: 2 });
    const { token } = await customer(`webhook-order-${crypto.randomUUID()}`);
    const ticket = await startChat(token);
    const socket = await customerSocket(ticket.id, token);
    for (const [clientId, body] of [
      ["o1", "First"],
      ["o2", "Second"],
    ] as const)
      expect((await sendAndWait(socket, clientId, body)).type).toBe("ack");
    socket.close();
    const { agent } = await addAgent(admin, "agent");
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { assigneeId: agent.id } }), 200);
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);

    const expected = ["ticket.created", "message.created", "message.created", "ticket.assigned", "ticket.status_changed"];
    const requests = await eventually(async () => {
      const all = (await delivered("/ordered", secret)).filter((request) => JSON.parse(request.body).data.ticket.id === ticket.id);
      expect(new Set(all.map((request) => request.headers["x-parley-delivery"])).size).toBe(expected.length);
      return all;
    }, 15_000);

    // The first event failed twice and came again, the same bytes under the same delivery id.
    const [failed, retried, retriedAgain] = requests;
    expect(failed!.headers["x-parley-delivery"]).toBe(retried!.headers["x-parley-delivery"]);
    expect(retriedAgain!.headers["x-parley-delivery"]).toBe(failed!.headers["x-parley-delivery"]);
    expect(retriedAgain!.body).toBe(failed!.body);

    // Nothing overtook it: each event was first sent after the one before it was delivered.
    const firstSeen: Event[] = [];
    for (const request of requests) {
      const event = JSON.parse(request.body) as Event;
      if (!firstSeen.some((seen) => seen.id === event.id)) firstSeen.push(event);
    }
    expect(firstSeen.map((event) => event.type)).toEqual(expected);
    expect(firstSeen.filter((event) => event.type === "message.created").map((event) => event.data.message.body)).toEqual(["First", "Second"]);
    expect(firstSeen[3]!.data).toMatchObject({ ticket: { assigneeId: agent.id }, previous: { assigneeId: null } });
    expect(firstSeen[4]!.data).toMatchObject({ ticket: { status: "closed" }, previous: { status: "open" } });

    const log = await eventually(async () => {
      const entries = (await deliveries(`?webhookId=${webhook.id}`)).filter((entry) => entry.ticketId === ticket.id);
      expect(entries.map((entry) => entry.status)).toEqual(expected.map(() => "delivered"));
      return entries;
    });
    expect(log.find((entry) => entry.id === failed!.headers["x-parley-delivery"])).toMatchObject({ attempts: 3, responseStatus: 200 });
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  }, 30_000);
});
