// Outgoing webhooks: the admins' endpoints and secrets, one signed delivery attempt against a
// real local receiver, the delivery log, and (through the ticket's object) events reaching the
// receiver in order, retried after failures.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TicketT, WebhookDeliveryT, WebhookT } from "../../contract";
import { db } from "../../worker/db/client";
import { DeliveryError } from "../../worker/lib/outbound";
import { deliverWebhook, signature, USER_AGENT, type WebhookAttempt } from "../../worker/lib/webhooks/deliver";
import { activeWebhooks, listDeliveries, MAX_WEBHOOKS, recordDelivery } from "../../worker/lib/webhooks/endpoints";
import { webhookEventBody } from "../../worker/lib/webhooks/events";
import { addAgent, call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, startChat } from "./helpers";
import { receiverScope, type ReceivedRequest } from "./webhook-receiver-control";

const receiver = receiverScope();
const database = db(env.DB);
const ALL_EVENTS = ["ticket.created", "message.created", "ticket.status_changed", "ticket.assigned"] as const;

let admin: string;
let agentCookie: string;

beforeAll(async () => {
  admin = await login();
  agentCookie = (await addAgent(admin, "agent")).cookie;
});

afterAll(() => receiver.reset());

// --- The Cloudflare Worker recipe of docs/webhooks.md, as a receiver would paste it ----------

const TOLERANCE_SECONDS = 5 * 60;

async function verifyParleySignature(secret: string, header: string | null, rawBody: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<boolean> {
  const parts = Object.fromEntries((header ?? "").split(",").map((part) => part.split("=", 2)));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) return false;
  const hex = parts.v1 ?? "";
  if (!/^[0-9a-f]{64}$/.test(hex)) return false;
  const signed = Uint8Array.from(hex.match(/../g)!, (byte: string) => parseInt(byte, 16));
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, signed, encoder.encode(`${timestamp}.${rawBody}`));
}

// --- Helpers -----------------------------------------------------------------------------------

async function register(input: Record<string, unknown>) {
  return json<{ webhook: WebhookT; secret: string }>(await call("/api/webhooks", { method: "POST", cookie: admin, json: input }), 201);
}

async function listed(): Promise<WebhookT[]> {
  return (await json<{ webhooks: WebhookT[] }>(await call("/api/webhooks", { cookie: admin }), 200)).webhooks;
}

async function deliveries(query = ""): Promise<WebhookDeliveryT[]> {
  return (await json<{ deliveries: WebhookDeliveryT[] }>(await call(`/api/webhooks/deliveries${query}`, { cookie: admin }), 200)).deliveries;
}

async function patch(id: string, body: unknown) {
  return call(`/api/webhooks/${id}`, { method: "PATCH", cookie: admin, json: body });
}

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

// --- Endpoints ---------------------------------------------------------------------------------

describe("webhook endpoints", () => {
  it("are for admins only: 401 without a session, 403 for agents", async () => {
    const { webhook } = await register({ url: receiver.url("/auth"), events: ["ticket.created"] });
    const attempts: Array<[string, string, unknown?]> = [
      ["GET", "/api/webhooks"],
      ["POST", "/api/webhooks", { url: receiver.url(), events: ["ticket.created"] }],
      ["PATCH", `/api/webhooks/${webhook.id}`, { enabled: false }],
      ["DELETE", `/api/webhooks/${webhook.id}`],
      ["POST", `/api/webhooks/${webhook.id}/secret`],
      ["GET", "/api/webhooks/deliveries"],
    ];
    for (const [method, path, body] of attempts) {
      await expectError(await call(path, { method, json: body }), 401, "unauthorized");
      await expectError(await call(path, { method, cookie: agentCookie, json: body }), 403, "forbidden");
    }
    expect((await listed()).find((candidate) => candidate.id === webhook.id)).toEqual(webhook);
    await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  });

  it("are created with a secret shown once: never in the list, and not stored in the clear", async () => {
    const response = await call("/api/webhooks", {
      method: "POST",
      cookie: admin,
      json: { url: receiver.url("/created"), events: ["message.created", "ticket.created"] },
    });
    const { webhook, secret } = await json<{ webhook: WebhookT; secret: string }>(response, 201);
    expect(webhook).toEqual({
      id: expect.stringMatching(/^whk_[0-9a-f]{32}$/),
      url: receiver.url("/created"),
      events: ["message.created", "ticket.created"],
      enabled: true,
      createdAt: expect.any(String),
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const listText = await (await call("/api/webhooks", { cookie: admin })).text();
    expect(listText).toContain(webhook.id);
    expect(listText).not.toContain(secret);
    expect(listText).not.toContain("secret");
    const stored = await env.DB.prepare("SELECT * FROM webhooks WHERE id = ?").bind(webhook.id).first<Record<string, unknown>>();
    expect(JSON.stringify(stored)).not.toContain(secret.slice(6));

    // Another endpoint gets another secret.
    const other = await register({ url: receiver.url("/created"), events: ["ticket.created"], enabled: false });
    expect(other.secret).not.toBe(secret);
    expect(other.webhook.enabled).toBe(false);
    for (const id of [webhook.id, other.webhook.id]) await call(`/api/webhooks/${id}`, { method: "DELETE", cookie: admin });
  });

  it("refuse bad input with 400 naming the field, and change nothing", async () => {
    const before = await listed();
    const bad: Array<[unknown, string]> = [
      [{ url: "not a url", events: ["ticket.created"] }, "url"],
      [{ url: "ftp://hooks.example.com/in", events: ["ticket.created"] }, "url"],
      [{ url: "http://hooks.example.com/in", events: ["ticket.created"] }, "url"],
      [{ url: "https://hooks.example.com/in", events: [] }, "events"],
      [{ url: "https://hooks.example.com/in", events: ["ticket.deleted"] }, "events.0"],
      [{ url: "https://hooks.example.com/in", events: ["ticket.created", "ticket.created"] }, "events"],
      [{ url: "https://hooks.example.com/in", events: ["ticket.created"], secret: "mine" }, "body"],
      [{ url: "https://hooks.example.com/in", events: ["ticket.created"], enabled: "yes" }, "enabled"],
      [{ events: ["ticket.created"] }, "url"],
      [{ url: "https://hooks.example.com/in" }, "events"],
    ];
    for (const [body, field] of bad) {
      const error = await expectError(await call("/api/webhooks", { method: "POST", cookie: admin, json: body }), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toMatch(new RegExp(`^${field.replace(".", "\\.")}\\b`));
    }
    await expectError(
      await call("/api/webhooks", { method: "POST", cookie: admin, body: "{not json", headers: { "Content-Type": "application/json" } }),
      400,
      "invalid_request",
    );
    expect(await listed()).toEqual(before);
  });

  it("accept https anywhere and http only to this machine", async () => {
    for (const url of ["https://hooks.example.com/parley", "http://localhost:9999/in", "http://127.0.0.1:9999/in"]) {
      const { webhook } = await register({ url, events: ["ticket.created"] });
      expect(webhook.url).toBe(url);
      await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
    }
  });

  it("change by PATCH, which refuses bad and unknown fields and answers 404 for unknown ids", async () => {
    const { webhook, secret } = await register({ url: receiver.url("/patch"), events: ["ticket.created"] });
    const changed = await json<{ webhook: WebhookT }>(await patch(webhook.id, { events: ["ticket.assigned", "ticket.status_changed"], enabled: false }), 200);
    expect(changed.webhook).toEqual({ ...webhook, events: ["ticket.assigned", "ticket.status_changed"], enabled: false });
    expect(JSON.stringify(changed)).not.toContain(secret);

    for (const [body, field] of [
      [{}, "body"],
      [{ url: "ftp://elsewhere.example/in" }, "url"],
      [{ events: [] }, "events"],
      [{ events: ["message.created", "message.created"] }, "events"],
      [{ events: ["message.updated"] }, "events.0"],
      [{ enabled: true, secret: "whsec_mine" }, "body"],
    ] as const) {
      const error = await expectError(await patch(webhook.id, body), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toMatch(new RegExp(`^${field.replace(".", "\\.")}\\b`));
    }
    expect((await listed()).find((candidate) => candidate.id === webhook.id)).toEqual(changed.webhook);

    await expectError(await patch("whk_unknown", { enabled: true }), 404, "not_found");
    await expectError(await call("/api/webhooks/whk_unknown", { method: "DELETE", cookie: admin }), 404, "not_found");
    await expectError(await call("/api/webhooks/whk_unknown/secret", { method: "POST", cookie: admin }), 404, "not_found");

    expect(await json(await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin }), 204)).toBeUndefined();
    expect((await listed()).some((candidate) => candidate.id === webhook.id)).toBe(false);
    await expectError(await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin }), 404, "not_found");
  });

  it(`stop at ${MAX_WEBHOOKS} endpoints with a clear message`, async () => {
    const existing = (await listed()).length;
    const created: string[] = [];
    for (let i = existing; i < MAX_WEBHOOKS; i++)
      created.push((await register({ url: `https://hooks.example.com/${i}`, events: ["ticket.created"] })).webhook.id);
    const error = await expectError(
      await call("/api/webhooks", { method: "POST", cookie: admin, json: { url: "https://hooks.example.com/one-more", events: ["ticket.created"] } }),
      400,
      "invalid_request",
    );
    expect(error.message).toContain(`already ${MAX_WEBHOOKS}`);
    expect(await listed()).toHaveLength(MAX_WEBHOOKS);
    for (const id of created) await call(`/api/webhooks/${id}`, { method: "DELETE", cookie: admin });
    expect(await listed()).toHaveLength(existing);
  });

  it("are fanned out from the enabled ones only", async () => {
    const on = await register({ url: receiver.url("/on"), events: ["message.created"] });
    const off = await register({ url: receiver.url("/off"), events: ["message.created"], enabled: false });
    const active = await activeWebhooks(database);
    expect(active).toContainEqual({ id: on.webhook.id, url: receiver.url("/on"), events: ["message.created"] });
    expect(active.some((endpoint) => endpoint.id === off.webhook.id)).toBe(false);
    for (const { webhook } of [on, off]) await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin });
  });
});

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
