// WebSocket upgrades (spec "Realtime"): refused with 401/403/404 before any frame. The customer
// socket admits the server's own origin and settings.allowedOrigins; the agent and inbox sockets
// admit the server's own origin only (spec v2 "Origins and headers").
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { BASE, Client, call, customer, expectError, json, login, startChat, upgrade } from "./helpers";

const stubOf = (ticketId: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticketId));
const socketsOn = (ticketId: string) => runInDurableObject(stubOf(ticketId), (_instance, state) => state.getWebSockets().length);

/** A refusal: the given status and error code, a JSON error body, and no WebSocket at all. */
async function expectRefused(response: Response, status: number, code: string) {
  expect(response.webSocket).toBeNull();
  await expectError(response, status, code);
}

/** An accepted upgrade: 101, a socket whose first frame is hello (or counts on the inbox). */
async function expectAccepted(response: Response, firstFrame: "hello" | "counts") {
  expect(response.status).toBe(101);
  expect(response.webSocket).not.toBeNull();
  const client = new Client(response.webSocket!);
  expect((await client.next()).type).toBe(firstFrame);
  client.close();
}

const customerPath = (ticketId: string, token?: string) =>
  `/api/widget/conversations/${ticketId}/ws?${token === undefined ? "" : `token=${encodeURIComponent(token)}&`}after=0`;
const agentPath = (ticketId: string) => `/api/tickets/${ticketId}/ws?after=0`;
const INBOX_PATH = "/api/inbox/ws";

let admin: string;
let shopper: Awaited<ReturnType<typeof customer>>;
let ticket: TicketT;

beforeAll(async () => {
  admin = await login();
  shopper = await customer();
  ticket = await startChat(shopper.token);
  // The customer writes once so that agents can see (and open) the ticket.
  const response = await upgrade(customerPath(ticket.id, shopper.token));
  const c = new Client(response.webSocket!);
  c.send({ type: "send", clientId: "c-1", body: "hello" });
  await c.nextOfType("ack");
  c.close();
});

describe("customer upgrades", () => {
  it("refuses a missing token with 401 before any frame", async () => {
    const before = await socketsOn(ticket.id);
    await expectRefused(await upgrade(customerPath(ticket.id)), 401, "unauthorized");
    await expectRefused(await upgrade(customerPath(ticket.id, "")), 401, "unauthorized");
    expect(await socketsOn(ticket.id)).toBe(before);
  });

  it("refuses a forged token with 401", async () => {
    const [header, payload, signature] = shopper.token.split(".") as [string, string, string];
    // Same claims, tampered signature.
    const flipped = signature.slice(0, -2) + (signature.endsWith("AA") ? "BB" : "AA");
    await expectRefused(await upgrade(customerPath(ticket.id, `${header}.${payload}.${flipped}`)), 401, "unauthorized");
    // Claims of another profile under the original signature.
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    const forgedPayload = btoa(JSON.stringify({ ...claims, sub: "prf_someone_else" }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    await expectRefused(await upgrade(customerPath(ticket.id, `${header}.${forgedPayload}.${signature}`)), 401, "unauthorized");
    await expectRefused(await upgrade(customerPath(ticket.id, "not-a-token")), 401, "unauthorized");
  });

  it("refuses an anonymous token with 403", async () => {
    const { token } = await json(await call("/api/widget/session", { method: "POST", json: {} }), 200);
    await expectRefused(await upgrade(customerPath(ticket.id, token)), 403, "login_required");
  });

  it("refuses another customer's token on this ticket with 403", async () => {
    const before = await socketsOn(ticket.id);
    const stranger = await customer();
    await expectRefused(await upgrade(customerPath(ticket.id, stranger.token)), 403, "forbidden");
    expect(await socketsOn(ticket.id)).toBe(before);
  });

  it("refuses an unknown ticket with 404", async () => {
    await expectRefused(await upgrade(customerPath("tkt_does_not_exist", shopper.token)), 404, "not_found");
  });

  it("accepts the ticket's own customer", async () => {
    await expectAccepted(await upgrade(customerPath(ticket.id, shopper.token)), "hello");
  });
});

describe("agent upgrades", () => {
  it("refuses a ticket socket without a session cookie with 401", async () => {
    await expectRefused(await upgrade(agentPath(ticket.id)), 401, "unauthorized");
    await expectRefused(await upgrade(agentPath(ticket.id), { cookie: "parley_session=not-a-session" }), 401, "unauthorized");
  });

  it("refuses the inbox socket without a session cookie with 401", async () => {
    await expectRefused(await upgrade(INBOX_PATH), 401, "unauthorized");
    await expectRefused(await upgrade(INBOX_PATH, { cookie: "parley_session=not-a-session" }), 401, "unauthorized");
  });

  it("refuses a widget token in place of a session (agent path) with 401", async () => {
    await expectRefused(await upgrade(`${agentPath(ticket.id)}&token=${encodeURIComponent(shopper.token)}`), 401, "unauthorized");
  });

  it("refuses an unknown ticket with 404", async () => {
    await expectRefused(await upgrade(agentPath("tkt_does_not_exist"), { cookie: admin }), 404, "not_found");
  });

  it("accepts an agent on the ticket and on the inbox", async () => {
    await expectAccepted(await upgrade(agentPath(ticket.id), { cookie: admin }), "hello");
    await expectAccepted(await upgrade(INBOX_PATH, { cookie: admin }), "counts");
  });
});

describe("origins", () => {
  const EVIL = "https://evil.example";
  const SHOP = "https://shop.example.com";

  it("refuses an Origin not allowed by settings with 403 on each WebSocket path", async () => {
    const before = await socketsOn(ticket.id);
    await expectRefused(await upgrade(customerPath(ticket.id, shopper.token), { origin: EVIL }), 403, "forbidden");
    await expectRefused(await upgrade(agentPath(ticket.id), { cookie: admin, origin: EVIL }), 403, "forbidden");
    await expectRefused(await upgrade(INBOX_PATH, { cookie: admin, origin: EVIL }), 403, "forbidden");
    // Not yet allowed: the shop's origin is refused too, as is a look-alike of the server's own.
    await expectRefused(await upgrade(customerPath(ticket.id, shopper.token), { origin: SHOP }), 403, "forbidden");
    await expectRefused(await upgrade(agentPath(ticket.id), { cookie: admin, origin: "https://parley.test" }), 403, "forbidden");
    await expectRefused(await upgrade(INBOX_PATH, { cookie: admin, origin: "http://parley.test.evil.example" }), 403, "forbidden");
    expect(await socketsOn(ticket.id)).toBe(before);
  });

  it("accepts the server's own origin on each WebSocket path", async () => {
    await expectAccepted(await upgrade(customerPath(ticket.id, shopper.token), { origin: BASE }), "hello");
    await expectAccepted(await upgrade(agentPath(ticket.id), { cookie: admin, origin: BASE }), "hello");
    await expectAccepted(await upgrade(INBOX_PATH, { cookie: admin, origin: BASE }), "counts");
  });

  it("admits an origin added to settings.allowedOrigins to the customer socket only: agent sockets stay with the server's own origin", async () => {
    const settings = await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { allowedOrigins: [SHOP] } }), 200);
    expect(settings.allowedOrigins).toEqual([SHOP]);
    await expectAccepted(await upgrade(customerPath(ticket.id, shopper.token), { origin: SHOP }), "hello");
    // A store on the same site as Parley gets the agent's cookie sent along: it must not be an agent.
    await expectRefused(await upgrade(agentPath(ticket.id), { cookie: admin, origin: SHOP }), 403, "forbidden");
    await expectRefused(await upgrade(INBOX_PATH, { cookie: admin, origin: SHOP }), 403, "forbidden");
    await expectRefused(await upgrade(customerPath(ticket.id, shopper.token), { origin: EVIL }), 403, "forbidden");
    await expectRefused(await upgrade(agentPath(ticket.id), { cookie: admin, origin: EVIL }), 403, "forbidden");
    await expectRefused(await upgrade(INBOX_PATH, { cookie: admin, origin: EVIL }), 403, "forbidden");

    // Removing it again takes effect at once.
    await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { allowedOrigins: [] } }), 200);
    await expectRefused(await upgrade(customerPath(ticket.id, shopper.token), { origin: SHOP }), 403, "forbidden");
  });
});
