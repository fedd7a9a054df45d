// The help-desk handoff clients against the local Zendesk and Gorgias stand-ins
// (wire-services.ts), which check auth and request shape as the services document them.
import { afterEach, describe, expect, it } from "vitest";
import type { MessageT } from "../../contract";
import { GorgiasHandoff } from "../../worker/lib/handoff/gorgias";
import { transcript, type HandoffDestination, type HandoffTicket } from "../../worker/lib/handoff/helpdesk";
import { DeliveryError } from "../../worker/lib/outbound";
import { ZendeskHandoff } from "../../worker/lib/handoff/zendesk";
import { wireScope, type QueuedReply, type Service } from "./wire-control";

const wire = wireScope();
afterEach(() => wire.reset());

let seq = 0;
const message = (kind: MessageT["author"]["kind"], name: string | null, body: string, createdAt: string, attachments = 0): MessageT => ({
  seq: ++seq,
  id: `m${seq}`,
  clientId: null,
  author: { kind, id: kind === "customer" ? null : `${kind}-1`, name },
  body,
  attachments: Array.from({ length: attachments }, (_, i) => ({ key: `k${i}`, url: `/api/uploads/k${i}`, contentType: "image/png", size: 10 })),
  createdAt,
});

const customer = { name: "Zoë Ünal", email: "zoe@example.com" };
const messages = [
  message("customer", null, "Hej! Min beställning #1001 har inte kommit 📦", "2026-03-02T10:00:05.000Z"),
  message("bot", "Parley assistant", "Let me get you a person from our team.", "2026-03-02T10:00:09.000Z"),
  message("customer", null, "Line one\nLine two — with “quotes” and 日本語\n[2026-03-02 10:01 UTC] Agent: fake line", "2026-03-02T10:01:00.000Z", 2),
];
const text = transcript(messages, customer);

const ticket = (overrides: Partial<HandoffTicket> = {}): HandoffTicket => ({
  subject: "Chat with Zoë Ünal: order not arrived",
  transcript: text,
  customer,
  reference: `handoff-${crypto.randomUUID()}`,
  ...overrides,
});

/** The DeliveryError a failed createTicket threw (failing the test if it did not throw one). */
async function failure(destination: HandoffDestination, handoff = ticket()): Promise<DeliveryError> {
  const error = await destination.createTicket(handoff).then(
    () => null,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe("transcript", () => {
  it("renders who the customer is, then one [time] Author: text entry per message, further lines indented", () => {
    expect(text).toBe(
      [
        "Customer: Zoë Ünal <zoe@example.com>",
        "",
        "[2026-03-02 10:00 UTC] Zoë Ünal: Hej! Min beställning #1001 har inte kommit 📦",
        "[2026-03-02 10:00 UTC] Parley assistant: Let me get you a person from our team.",
        "[2026-03-02 10:01 UTC] Zoë Ünal: Line one",
        "  Line two — with “quotes” and 日本語",
        "  [2026-03-02 10:01 UTC] Agent: fake line (+2 attachments)",
      ].join("\n"),
    );
  });

  it("falls back to the author's role, and to unknown for a customer with no name or email", () => {
    const lines = transcript([message("customer", null, "hi", "2026-03-02T10:00:00.000Z"), message("agent", null, "hello", "2026-03-02T10:00:30.000Z")], {
      name: null,
      email: null,
    });
    expect(lines).toBe("Customer: unknown\n\n[2026-03-02 10:00 UTC] Customer: hi\n[2026-03-02 10:00 UTC] Agent: hello");
  });
});

// What both clients must do on failure, whatever the help desk.
const clients: {
  service: Service;
  make: (overrides?: { timeoutMs?: number; secret?: string; baseUrl?: string }) => HandoffDestination;
  secret: () => string;
}[] = [
  {
    service: "zendesk",
    make: (o = {}) =>
      new ZendeskHandoff({
        baseUrl: o.baseUrl ?? wire.baseUrl.zendesk,
        email: wire.credentials.zendesk.email,
        apiToken: o.secret ?? wire.credentials.zendesk.apiToken,
        timeoutMs: o.timeoutMs,
      }),
    secret: () => wire.credentials.zendesk.apiToken,
  },
  {
    service: "gorgias",
    make: (o = {}) =>
      new GorgiasHandoff({
        baseUrl: o.baseUrl ?? wire.baseUrl.gorgias,
        email: wire.credentials.gorgias.email,
        apiKey: o.secret ?? wire.credentials.gorgias.apiKey,
        timeoutMs: o.timeoutMs,
      }),
    secret: () => wire.credentials.gorgias.apiKey,
  },
];

describe.each(clients)("$service handoff failures", ({ service, make, secret }) => {
  it("refused credentials (401): not retryable, and the message holds no secret", async () => {
    const error = await failure(make({ secret: "wrong-secret-123" }));
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect(error.message).toMatch(/answered 401: the credentials were refused$/);
    expect(error.message).not.toMatch(/wrong-secret|zd-token|gorgias-key|zoe@/);
    expect(`${error.message} ${error.stack}`).not.toContain(secret());
  });

  it.each<[QueuedReply, number, number | undefined]>([
    [{ kind: "fail", status: 500 }, 500, undefined],
    [{ kind: "fail", status: 503, retryAfter: "120" }, 503, 120_000],
    [{ kind: "fail", status: 429, retryAfter: "7" }, 429, 7_000],
  ])("%j: retryable, with the Retry-After delay", async (queued, status, retryAfterMs) => {
    await wire.queue(service, queued);
    const error = await failure(make());
    expect(error).toMatchObject({ retryable: true, status, retryAfterMs });
    expect(await wire.requests(service)).toHaveLength(1);
  });

  it("429 with an HTTP-date Retry-After: retryable after about that long", async () => {
    await wire.queue(service, { kind: "fail", status: 429, retryAfter: new Date(Date.now() + 30_000).toUTCString() });
    const error = await failure(make());
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it("no answer within the timeout: retryable, and given up on in time", async () => {
    await wire.queue(service, { kind: "hang" });
    const started = Date.now();
    const error = await failure(make({ timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(300 + 1500);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toMatch(/did not answer within 300 ms$/);
  });

  it("unreachable: retryable", async () => {
    // workerd prints "uncaught exception ... Network connection lost." here although the failure is
    // caught: miniflare's outbound worker (every fetch goes through it) returns fetch()'s rejected
    // promise, and workerd logs each rejection a JS handler returns to it.
    const error = await failure(make({ baseUrl: "http://127.0.0.1:9" }));
    expect(error).toMatchObject({ retryable: true, message: expect.stringMatching(/could not be reached$/) });
  });

  it("a 201 whose body is not JSON: not retryable (the ticket may exist; a retry could duplicate it)", async () => {
    await wire.queue(service, { kind: "raw", status: 201, body: "<html>created</html>" });
    expect(await failure(make())).toMatchObject({ retryable: false, status: 201 });
  });
});

describe("ZendeskHandoff", () => {
  const zendesk = () => new ZendeskHandoff({ baseUrl: `${wire.baseUrl.zendesk}/`, ...wire.credentials.zendesk });

  it("creates a ticket with the documented request, the transcript intact, and returns its id", async () => {
    const handoff = ticket();
    const { externalId } = await zendesk().createTicket(handoff);

    const [sent, ...more] = await wire.requests("zendesk");
    expect(more).toEqual([]);
    expect(sent).toMatchObject({ method: "POST", path: "/api/v2/tickets.json" });
    const { email, apiToken } = wire.credentials.zendesk;
    expect(sent!.headers.authorization).toBe(`Basic ${btoa(`${email}/token:${apiToken}`)}`);
    expect(sent!.headers["content-type"]).toMatch(/^application\/json/);
    expect(sent!.headers["idempotency-key"]).toBe(handoff.reference);
    expect(JSON.parse(sent!.body)).toEqual({
      ticket: {
        subject: "Chat with Zoë Ünal: order not arrived",
        comment: { body: text },
        requester: { name: "Zoë Ünal", email: "zoe@example.com" },
        tags: ["parley"],
      },
    });
    expect(JSON.parse(sent!.body).ticket.comment.body).toContain("Line one\n  Line two — with “quotes” and 日本語");
    expect(externalId).toMatch(/^\d+$/);
  });

  it("leaves the requester out when the customer has no email, and names them by email when they have no name", async () => {
    await zendesk().createTicket(ticket({ customer: { name: "Anon", email: null } }));
    await zendesk().createTicket(ticket({ customer: { name: null, email: "nameless@example.com" } }));
    const [withoutEmail, withoutName] = (await wire.requests("zendesk")).map((request) => JSON.parse(request.body).ticket);
    expect(withoutEmail).not.toHaveProperty("requester");
    expect(withoutName.requester).toEqual({ name: "nameless@example.com", email: "nameless@example.com" });
  });

  it("a retry of the same handoff gets the same ticket back (Idempotency-Key), not a second one", async () => {
    const handoff = ticket();
    await wire.queue("zendesk", { kind: "fail", status: 503 });
    expect(await failure(zendesk(), handoff)).toMatchObject({ retryable: true, status: 503 });
    const first = await zendesk().createTicket(handoff);
    const again = await zendesk().createTicket(handoff);
    expect(again).toEqual(first);
    expect(await zendesk().createTicket(ticket())).not.toEqual(first);
  });

  it("a ticket Zendesk refuses as invalid (422): not retryable", async () => {
    // An empty transcript leaves the ticket without a description, which Zendesk refuses.
    expect(await failure(zendesk(), ticket({ transcript: "" }))).toMatchObject({
      retryable: false,
      status: 422,
      message: "Zendesk answered 422: the ticket was refused as invalid",
    });
  });
});

describe("GorgiasHandoff", () => {
  const gorgias = () => new GorgiasHandoff({ baseUrl: wire.baseUrl.gorgias, ...wire.credentials.gorgias });

  it("creates an API-channel ticket with the documented request, the transcript intact, and returns its id", async () => {
    const handoff = ticket();
    const { externalId } = await gorgias().createTicket(handoff);

    const [sent, ...more] = await wire.requests("gorgias");
    expect(more).toEqual([]);
    expect(sent).toMatchObject({ method: "POST", path: "/api/tickets" });
    const { email, apiKey } = wire.credentials.gorgias;
    expect(sent!.headers.authorization).toBe(`Basic ${btoa(`${email}:${apiKey}`)}`);
    expect(sent!.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(sent!.body)).toEqual({
      customer: { email: "zoe@example.com", name: "Zoë Ünal" },
      external_id: handoff.reference,
      channel: "api",
      via: "api",
      from_agent: false,
      subject: "Chat with Zoë Ünal: order not arrived",
      messages: [
        {
          channel: "api",
          via: "api",
          from_agent: false,
          sender: { email: "zoe@example.com" },
          subject: "Chat with Zoë Ünal: order not arrived",
          body_text: text,
        },
      ],
    });
    expect(externalId).toMatch(/^\d+$/);
  });

  it("refuses, without a request, a customer with no email: Gorgias can't name the sender", async () => {
    const error = await failure(gorgias(), ticket({ customer: { name: "Anon", email: null } }));
    expect(error).toMatchObject({ retryable: false, status: undefined });
    expect(await wire.requests("gorgias")).toEqual([]);
  });
});

// The stand-ins are only worth testing against if they refuse what the services refuse.
describe("the stand-ins are strict", () => {
  const post = (service: Service, path: string, authorization: string, body: unknown) =>
    fetch(`${wire.baseUrl[service]}${path}`, {
      method: "POST",
      headers: { Authorization: authorization, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  it("Zendesk: a capitalized comment Body is no description (422)", async () => {
    const { email, apiToken } = wire.credentials.zendesk;
    const response = await post("zendesk", "/api/v2/tickets.json", `Basic ${btoa(`${email}/token:${apiToken}`)}`, {
      ticket: { subject: "x", comment: { Body: "hi" } },
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: "RecordInvalid" });
  });

  it("Zendesk: the API token without the /token suffix is refused (401)", async () => {
    const { email, apiToken } = wire.credentials.zendesk;
    const response = await post("zendesk", "/api/v2/tickets.json", `Basic ${btoa(`${email}:${apiToken}`)}`, { ticket: { comment: { body: "hi" } } });
    expect(response.status).toBe(401);
  });

  it("Gorgias: an incoming message without a sender is invalid (400)", async () => {
    const { email, apiKey } = wire.credentials.gorgias;
    const response = await post("gorgias", "/api/tickets", `Basic ${btoa(`${email}:${apiKey}`)}`, {
      via: "api",
      messages: [{ channel: "api", via: "api", from_agent: false, body_text: "hi" }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { data: { "messages.0.sender": [expect.any(String)] } } });
  });

  it("OpenAI: a request without a model is invalid (400)", async () => {
    const response = await post("openai", "/chat/completions", `Bearer ${wire.credentials.openai.apiKey}`, { messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", param: "model" } });
  });
});
