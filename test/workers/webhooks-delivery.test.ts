// Outgoing webhooks: event bodies, one signed delivery attempt against a real local receiver, and
// the delivery log.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { DeliveryError } from "../../worker/lib/outbound";
import { deliverWebhook, signature, USER_AGENT, type WebhookAttempt } from "../../worker/lib/webhooks/deliver";
import { listDeliveries, recordDelivery } from "../../worker/lib/webhooks/endpoints";
import { webhookEventBody } from "../../worker/lib/webhooks/events";
import { call, customer, expectError, json, startChat } from "./helpers";
import type { ReceivedRequest } from "./webhook-receiver-control";
import {
  admin,
  ALL_EVENTS,
  database,
  deliveries,
  patch,
  receiver,
  register,
  TOLERANCE_SECONDS,
  useWebhooksAdmin,
  verifyParleySignature,
} from "./webhooks-fixtures";

useWebhooksAdmin();

let ticketCounter = 0;
/** A real ticket, as the event builder is given it. */
async function aTicket(): Promise<TicketT> {
  const { token } = await customer(`webhook-cust-${++ticketCounter}-${crypto.randomUUID()}`);
  return startChat(token);
}

function attempt(webhookId: string, body: string, overrides: Partial<WebhookAttempt> = {}): WebhookAttempt {
  return { id: `dlv_${crypto.randomUUID().replaceAll("-", "")}`, webhookId, event: "ticket.created", ticketId: "tkt_test", body, attempt: 1, ...overrides };
}

async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

// --- Event bodies ------------------------------------------------------------------------------

describe("webhookEventBody", () => {
  it("carries the ticket, and the message or the previous value the event is about", async () => {
    const ticket = await aTicket();
    const message = {
      seq: 1,
      id: "msg_1",
      clientId: "c1",
      author: { kind: "customer" as const, id: ticket.profileId, name: "Casey" },
      body: "Hello",
      attachments: [],
      createdAt: new Date().toISOString(),
    };
    const cases = [
      ["ticket.created", { ticket }, { ticket }],
      ["message.created", { ticket, message }, { ticket, message }],
      ["ticket.status_changed", { ticket, previous: { status: "open" } }, { ticket, previous: { status: "open" } }],
      ["ticket.assigned", { ticket, previous: { assigneeId: null } }, { ticket, previous: { assigneeId: null } }],
    ] as const;
    for (const [type, data, expected] of cases) {
      const { eventId, body } = webhookEventBody(type, data);
      expect(eventId).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(JSON.parse(body)).toEqual({ id: eventId, type, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), data: expected });
    }
    // Only what the event is about: no message on a status change.
    expect(JSON.parse(webhookEventBody("ticket.status_changed", { ticket, message, previous: { status: "snoozed", assigneeId: null } }).body).data).toEqual({
      ticket,
      previous: { status: "snoozed" },
    });
    expect(webhookEventBody("ticket.created", { ticket }).eventId).not.toBe(webhookEventBody("ticket.created", { ticket }).eventId);
  });

  it("refuses an event without what it is about", async () => {
    const ticket = await aTicket();
    expect(() => webhookEventBody("message.created", { ticket })).toThrow(/needs the message/);
    expect(() => webhookEventBody("ticket.status_changed", { ticket, previous: {} })).toThrow(/previous status/);
    expect(() => webhookEventBody("ticket.assigned", { ticket })).toThrow(/previous assignee/);
  });
});

// --- One delivery attempt ----------------------------------------------------------------------

describe("deliverWebhook", () => {
  it("POSTs the body with the event, the delivery id and a signature that verifies with the secret", async () => {
    const { webhook, secret } = await register({ url: receiver.url("/signed"), events: ALL_EVENTS });
    await receiver.verifyWith(secret);
    const ticket = await aTicket();
    const { body } = webhookEventBody("ticket.created", { ticket });
    const sent = attempt(webhook.id, body, { ticketId: ticket.id });

    expect(await deliverWebhook(env, database, sent)).toEqual({ responseStatus: 200 });
    const [request] = await receiver.requests("/signed");
    expect(request).toMatchObject({ method: "POST", body, verified: true });
    expect(request!.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "x-parley-event": "ticket.created",
      "x-parley-delivery": sent.id,
      "x-parley-signature": expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}$/),
    });

    const header = request!.headers["x-parley-signature"]!;
    const timestamp = Number(/^t=(\d+)/.exec(header)![1]);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(header).toBe(await signature(secret, timestamp, body));
    expect(await verifyParleySignature(secret, header, request!.body)).toBe(true);
    // A wrong secret, a changed body, or a stale timestamp doesn't verify.
    expect(
      await verifyParleySignature(
        secret.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
        header,
        request!.body,
      ),
    ).toBe(false);
    expect(await verifyParleySignature(secret, header, request!.body.replace(ticket.id, "tkt_forged"))).toBe(false);
    expect(await verifyParleySignature(secret, header, request!.body, timestamp + TOLERANCE_SECONDS + 1)).toBe(false);
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  });

  it("signs with the rotated secret at once: the old one stops verifying", async () => {
    const { webhook, secret: old } = await register({ url: receiver.url("/rotated"), events: ["ticket.created"] });
    const rotated = await json<{ secret: string }>(await call(`/api/webhooks/${webhook.id}/secret`, { method: "POST", cookie: admin }), 200);
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(rotated.secret).not.toBe(old);
    expect(await (await call("/api/webhooks", { cookie: admin })).text()).not.toContain(rotated.secret);

    const body = webhookEventBody("ticket.created", { ticket: await aTicket() }).body;
    await deliverWebhook(env, database, attempt(webhook.id, body));
    const [request] = await receiver.requests("/rotated");
    expect(await verifyParleySignature(rotated.secret, request!.headers["x-parley-signature"]!, request!.body)).toBe(true);
    expect(await verifyParleySignature(old, request!.headers["x-parley-signature"]!, request!.body)).toBe(false);
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  });

  it("sends the same bytes and delivery id on every attempt, to the endpoint's current address", async () => {
    const { webhook } = await register({ url: receiver.url("/first"), events: ["ticket.created"] });
    const sent = attempt(webhook.id, webhookEventBody("ticket.created", { ticket: await aTicket() }).body);
    await deliverWebhook(env, database, sent);
    await json(await patch(webhook.id, { url: receiver.url("/moved") }), 200);
    await deliverWebhook(env, database, { ...sent, attempt: 2 });
    const [first] = await receiver.requests("/first");
    const [moved] = await receiver.requests("/moved");
    expect(moved!.body).toBe(first!.body);
    expect(moved!.headers["x-parley-delivery"]).toBe(first!.headers["x-parley-delivery"]);
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  });

  it("fails retryably when the receiver fails, is busy, times out or can't be reached", async () => {
    const { webhook } = await register({ url: receiver.url("/flaky"), events: ["ticket.created"] });
    const body = webhookEventBody("ticket.created", { ticket: await aTicket() }).body;

    await receiver.reply({ status: 500 }, { status: 503 }, { status: 429, headers: { "Retry-After": "7" } }, { status: 408 });
    for (const status of [500, 503, 429, 408]) {
      const error = await deliveryError(deliverWebhook(env, database, attempt(webhook.id, body)));
      expect(error).toMatchObject({ retryable: true, status });
      expect(error.message).toContain(String(status));
      if (status === 429) expect(error.retryAfterMs).toBe(7000);
    }

    await receiver.reply({ hang: true });
    const started = Date.now();
    const timeout = await deliveryError(deliverWebhook(env, database, attempt(webhook.id, body), 300));
    expect(timeout).toMatchObject({ retryable: true, status: undefined });
    expect(timeout.message).toContain("did not answer within 300 ms");
    expect(Date.now() - started).toBeLessThan(5000);

    // workerd prints "uncaught exception ... Network connection lost." here although the failure is
    // caught: miniflare's outbound worker (every fetch goes through it) returns fetch()'s rejected
    // promise, and workerd logs each rejection a JS handler returns to it.
    await json(await patch(webhook.id, { url: "http://127.0.0.1:1/closed" }), 200);
    const unreachable = await deliveryError(deliverWebhook(env, database, attempt(webhook.id, body)));
    expect(unreachable).toMatchObject({ retryable: true });
    expect(unreachable.message).toContain("could not be reached");

    // And then it works again.
    await json(await patch(webhook.id, { url: receiver.url("/flaky") }), 200);
    expect(await deliverWebhook(env, database, attempt(webhook.id, body))).toEqual({ responseStatus: 200 });
    expect(await receiver.requests("/flaky")).toHaveLength(6);
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  });

  it("fails for good on other 4xx answers and on redirects, which it does not follow", async () => {
    const { webhook } = await register({ url: receiver.url("/gone"), events: ["ticket.created"] });
    const body = webhookEventBody("ticket.created", { ticket: await aTicket() }).body;
    await receiver.reply({ status: 410 }, { status: 400 }, { status: 401 });
    for (const status of [410, 400, 401]) {
      expect(await deliveryError(deliverWebhook(env, database, attempt(webhook.id, body)))).toMatchObject({ retryable: false, status });
    }

    await receiver.reply(
      { status: 301, headers: { Location: receiver.url("/elsewhere") } },
      { status: 307, headers: { Location: receiver.url("/elsewhere") } },
    );
    for (const status of [301, 307]) {
      const error = await deliveryError(deliverWebhook(env, database, attempt(webhook.id, body)));
      expect(error).toMatchObject({ retryable: false, status });
      expect(error.message).toContain("redirects are not followed");
    }
    expect(await receiver.requests("/elsewhere")).toEqual([]);
    expect((await receiver.requests("/gone")).every((request: ReceivedRequest) => request.body === body)).toBe(true);
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  });

  it("fails for good, sending nothing, for a deleted, disabled or unsubscribed endpoint", async () => {
    const { webhook } = await register({ url: receiver.url("/stopped"), events: ["ticket.created"] });
    const body = webhookEventBody("ticket.created", { ticket: await aTicket() }).body;

    await json(await patch(webhook.id, { enabled: false }), 200);
    expect(await deliveryError(deliverWebhook(env, database, attempt(webhook.id, body)))).toMatchObject({ retryable: false, message: "endpoint disabled" });

    await json(await patch(webhook.id, { enabled: true, events: ["ticket.assigned"] }), 200);
    const unsubscribed = await deliveryError(deliverWebhook(env, database, attempt(webhook.id, body)));
    expect(unsubscribed).toMatchObject({ retryable: false, message: "endpoint no longer subscribes to ticket.created" });

    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
    expect(await deliveryError(deliverWebhook(env, database, attempt(webhook.id, body)))).toMatchObject({ retryable: false, message: "endpoint deleted" });
    expect(await receiver.requests("/stopped")).toEqual([]);
  });

  it("fails for good when the secret can't be unsealed (CREDENTIALS_KEY changed)", async () => {
    const { webhook } = await register({ url: receiver.url("/resealed"), events: ["ticket.created"] });
    // Another endpoint's sealed secret opens only for that endpoint, as no secret opens under another key.
    const other = await register({ url: receiver.url("/resealed"), events: ["ticket.created"] });
    await env.DB.prepare("UPDATE webhooks SET secret_ciphertext = (SELECT secret_ciphertext FROM webhooks WHERE id = ?2) WHERE id = ?1")
      .bind(webhook.id, other.webhook.id)
      .run();
    const error = await deliveryError(deliverWebhook(env, database, attempt(webhook.id, "{}")));
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).toContain("rotate the secret");
    expect(await receiver.requests("/resealed")).toEqual([]);
    for (const id of [webhook.id, other.webhook.id]) await call(`/api/webhooks/${id}`, { method: "DELETE", cookie: admin });
  });
});

// --- The delivery log --------------------------------------------------------------------------

describe("the delivery log", () => {
  it("keeps one row per delivery, updated by each attempt, never back to an earlier one", async () => {
    const webhookId = `whk_log_${crypto.randomUUID().slice(0, 8)}`;
    const row = { id: `dlv_${crypto.randomUUID().slice(0, 8)}`, webhookId, event: "message.created" as const, ticketId: "tkt_log" };
    const retryAt = new Date(Date.now() + 60_000).toISOString();
    await recordDelivery(database, {
      ...row,
      status: "pending",
      attempts: 1,
      responseStatus: 500,
      lastError: "The webhook endpoint answered 500: the receiver failed",
      nextAttemptAt: retryAt,
    });
    let [logged] = await deliveries(`?webhookId=${webhookId}`);
    expect(logged).toEqual({
      ...row,
      status: "pending",
      attempts: 1,
      responseStatus: 500,
      lastError: expect.stringContaining("500"),
      nextAttemptAt: retryAt,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    await recordDelivery(database, { ...row, status: "delivered", attempts: 2, responseStatus: 204, lastError: null, nextAttemptAt: null });
    // A late write of the first attempt changes nothing.
    await recordDelivery(database, { ...row, status: "pending", attempts: 1, responseStatus: 500, lastError: "late", nextAttemptAt: retryAt });
    const all = await deliveries(`?webhookId=${webhookId}`);
    expect(all).toHaveLength(1);
    [logged] = all;
    expect(logged).toMatchObject({ status: "delivered", attempts: 2, responseStatus: 204, lastError: null, nextAttemptAt: null });
    expect(logged!.createdAt <= logged!.updatedAt).toBe(true);
  });

  it("lists newest first, per endpoint or all, with a limit, and refuses a bad limit", async () => {
    const [first, second] = [`whk_a_${crypto.randomUUID().slice(0, 8)}`, `whk_b_${crypto.randomUUID().slice(0, 8)}`];
    const ids: string[] = [];
    for (const webhookId of [first, second, first]) {
      const id = `dlv_${crypto.randomUUID().slice(0, 8)}`;
      ids.push(id);
      await recordDelivery(database, {
        id,
        webhookId,
        event: "ticket.created",
        ticketId: "tkt_list",
        status: "failed",
        attempts: 1,
        responseStatus: 410,
        lastError: "gone",
        nextAttemptAt: null,
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await deliveries(`?webhookId=${first}`)).map((delivery) => delivery.id)).toEqual([ids[2], ids[0]]);
    expect((await deliveries(`?webhookId=${second}`)).map((delivery) => delivery.id)).toEqual([ids[1]]);
    expect((await deliveries("?limit=2")).map((delivery) => delivery.id)).toEqual([ids[2], ids[1]]);
    expect(await listDeliveries(database, { webhookId: "whk_none", limit: 10 })).toEqual([]);
    for (const query of ["?limit=0", "?limit=201", "?limit=many"]) {
      expect((await expectError(await call(`/api/webhooks/deliveries${query}`, { cookie: admin }), 400, "invalid_request")).message).toMatch(/^limit\b/);
    }
  });
});
