// The storefront widget's API: shopper identity (HMAC), widget tokens, starting a chat, the
// origin allowlist with CORS, and the per-IP session rate limit.
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import { hmacHex } from "../../worker/lib/crypto";
import { call, customer, customerSocket, expectError, json, login, sleep, startChat, upgrade, userHash } from "./helpers";

let admin: string;

beforeAll(async () => {
  admin = await login();
});

const session = (body: unknown, init: { ip?: string; headers?: Record<string, string> } = {}) =>
  call("/api/widget/session", { method: "POST", json: body, ...init });
const anonymousToken = async () => (await json<{ token: string }>(await session({}), 200)).token;
const patchSettings = async (patch: unknown) => json(await call("/api/settings", { method: "PATCH", cookie: admin, json: patch }), 200);
const profileByExternalId = (externalId: string) => env.DB.prepare("SELECT id, email, name FROM profiles WHERE external_id = ?").bind(externalId).first();
const ticketCount = async () => (await env.DB.prepare("SELECT count(*) AS n FROM tickets").first<{ n: number }>())!.n;

/** Changes one character in the middle of a JWT's signature (never the last, whose low bits are padding). */
function tamperSignature(token: string) {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const i = Math.floor(signature.length / 2);
  const flipped = signature[i] === "A" ? "B" : "A";
  return `${header}.${payload}.${signature.slice(0, i)}${flipped}${signature.slice(i + 1)}`;
}

const base64url = (value: unknown) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

async function clearOfWindowEdge(periodSeconds: number, needMs: number) {
  const periodMs = periodSeconds * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < needMs) await sleep(left + 250);
}

describe("POST /api/widget/session", () => {
  it("identifies a shopper whose userHash is right: 200 {token, expiresAt, profileId}", async () => {
    const externalId = `shop-${crypto.randomUUID()}`;
    const body = await json(
      await session({ customer: { id: externalId, email: "ada@example.com", name: "Ada Lindqvist" }, userHash: await userHash(externalId) }),
      200,
    );
    expect(Object.keys(body).sort()).toEqual(["expiresAt", "profileId", "token"]);
    expect(body.token).toEqual(expect.any(String));
    expect(body.token.length).toBeGreaterThan(20);
    const expires = Date.parse(body.expiresAt);
    expect(body.expiresAt).toBe(new Date(expires).toISOString());
    expect(expires).toBeGreaterThan(Date.now() + 60_000);
    expect(body.profileId).toEqual(expect.any(String));
    expect(await profileByExternalId(externalId)).toEqual({ id: body.profileId, email: "ada@example.com", name: "Ada Lindqvist" });

    // The same shopper again gets the same profile.
    const again = await json(await session({ customer: { id: externalId }, userHash: await userHash(externalId) }), 200);
    expect(again.profileId).toBe(body.profileId);
    // The token works for widget calls.
    await expectError(await call("/api/widget/conversations/active", { token: body.token }), 404, "not_found");
  });

  it("refuses a wrong, missing or borrowed userHash with 401 invalid_identity and stores nothing", async () => {
    const externalId = `shop-${crypto.randomUUID()}`;
    const other = `shop-${crypto.randomUUID()}`;
    const right = await userHash(externalId);
    const wrongs: unknown[] = [
      { customer: { id: externalId, name: "Mallory" }, userHash: "0".repeat(64) },
      { customer: { id: externalId, name: "Mallory" }, userHash: right.slice(0, -1) + (right.endsWith("0") ? "1" : "0") },
      { customer: { id: externalId, name: "Mallory" }, userHash: "not-hex" },
      { customer: { id: externalId, name: "Mallory" } },
      { customer: { id: externalId, name: "Mallory" }, userHash: "" },
      // A hash that is right, but for another customer id.
      { customer: { id: externalId, name: "Mallory" }, userHash: await userHash(other) },
      // The right hash computed with another secret.
      { customer: { id: externalId, name: "Mallory" }, userHash: await hmacHex("some-other-secret", externalId) },
    ];
    for (const body of wrongs) {
      const response = await session(body);
      const error = await expectError(response, 401, "invalid_identity");
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect(await profileByExternalId(externalId)).toBeNull();
    expect(await profileByExternalId(other)).toBeNull();
  });

  it("gives an anonymous token for {} (profileId null) that cannot start a chat", async () => {
    const body = await json(await session({}), 200);
    expect(body).toEqual({ token: expect.any(String), expiresAt: expect.any(String), profileId: null });
    await expectError(await call("/api/widget/conversations", { method: "POST", token: body.token }), 403, "login_required");
    await expectError(await call("/api/widget/conversations/active", { token: body.token }), 404, "not_found");
  });

  it("rejects an invalid body with 400 invalid_request naming the field", async () => {
    const error = await expectError(await session({ customer: { id: "" }, userHash: "00" }), 400, "invalid_request");
    expect(error.message).toContain("customer.id");
    const email = await expectError(await session({ customer: { id: "x-1", email: "not-an-email" }, userHash: await userHash("x-1") }), 400, "invalid_request");
    expect(email.message).toContain("customer.email");
    await expectError(
      await call("/api/widget/session", { method: "POST", body: "{", headers: { "Content-Type": "application/json" } }),
      400,
      "invalid_request",
    );
    expect(await profileByExternalId("x-1")).toBeNull();
  });
});

describe("widget tokens", () => {
  it("refuses a token with a changed signature, another secret, a changed payload, no signature or past expiry with 401 unauthorized", async () => {
    const shopper = await customer();
    const anonymous = await anonymousToken();
    const now = Math.floor(Date.now() / 1000);
    const claims = { kind: "customer", sub: shopper.profileId, ext: shopper.externalId, name: shopper.name, iss: "parley-widget", iat: now, exp: now + 3600 };
    const realKey = await hmacHex(env.IDENTITY_SECRET, "parley widget token key v1");
    const [anonHeader, , anonSignature] = anonymous.split(".") as [string, string, string];

    const forged: Record<string, string> = {
      "tampered signature": tamperSignature(shopper.token),
      "signed with another secret": await sign(claims, await hmacHex("another-identity-secret", "parley widget token key v1"), "HS256"),
      "signed with IDENTITY_SECRET itself": await sign(claims, env.IDENTITY_SECRET, "HS256"),
      "anonymous token with a customer payload": `${anonHeader}.${base64url(claims)}.${anonSignature}`,
      "alg none": `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`,
      expired: await sign({ ...claims, iat: now - 7200, exp: now - 3600 }, realKey, "HS256"),
      garbage: "not-a-token",
    };
    // The real key does sign valid tokens, so the refusals above are about the tampering alone.
    const control = await sign(claims, realKey, "HS256");
    await expectError(await call("/api/widget/conversations/active", { token: control }), 404, "not_found");

    for (const [what, token] of Object.entries(forged)) {
      const active = await call("/api/widget/conversations/active", { token });
      expect(active.status, what).toBe(401);
      await expectError(active, 401, "unauthorized");
      await expectError(await call("/api/widget/conversations", { method: "POST", token }), 401, "unauthorized");
    }
    await expectError(await call("/api/widget/conversations", { method: "POST" }), 401, "unauthorized");
    await expectError(await call("/api/widget/conversations/active"), 401, "unauthorized");
    expect(await ticketCount()).toBe(0);
  });
});

describe("conversations", () => {
  it("starts a chat with 201, returns the same open ticket with 200, and shows it as active", async () => {
    const shopper = await customer();
    await expectError(await call("/api/widget/conversations/active", { token: shopper.token }), 404, "not_found");

    const created = await call("/api/widget/conversations", { method: "POST", token: shopper.token });
    const { ticket } = await json(created, 201);
    expect(ticket).toMatchObject({ channel: "webchat", status: "open", profileId: shopper.profileId, assigneeId: null, unread: false, closedAt: null });
    expect(ticket.id).toEqual(expect.any(String));

    const again = await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 200);
    expect(again.ticket.id).toBe(ticket.id);

    const active = await json(await call("/api/widget/conversations/active", { token: shopper.token }), 200);
    expect(active.ticket).toMatchObject({ id: ticket.id, status: "open", profileId: shopper.profileId });

    // A fresh token for the same shopper (another tab) finds the same conversation.
    const sameShopper = await customer(shopper.externalId, shopper.name);
    expect((await json(await call("/api/widget/conversations/active", { token: sameShopper.token }), 200)).ticket.id).toBe(ticket.id);
    expect((await json(await call("/api/widget/conversations", { method: "POST", token: sameShopper.token }), 200)).ticket.id).toBe(ticket.id);
  });

  it("keeps customers apart: one customer's token never sees another's ticket", async () => {
    const alice = await customer();
    const bob = await customer();
    const alicesTicket = await startChat(alice.token);

    await expectError(await call("/api/widget/conversations/active", { token: bob.token }), 404, "not_found");
    const bobs = await json(await call("/api/widget/conversations", { method: "POST", token: bob.token }), 201);
    expect(bobs.ticket.id).not.toBe(alicesTicket.id);
    expect(bobs.ticket.profileId).toBe(bob.profileId);
    expect((await json(await call("/api/widget/conversations/active", { token: bob.token }), 200)).ticket.id).toBe(bobs.ticket.id);
    expect((await json(await call("/api/widget/conversations/active", { token: alice.token }), 200)).ticket.id).toBe(alicesTicket.id);

    // Nor may Bob open Alice's conversation socket.
    const refused = await upgrade(`/api/widget/conversations/${alicesTicket.id}/ws?token=${encodeURIComponent(bob.token)}&after=0`);
    expect(refused.status).toBe(403);
    expect(refused.webSocket).toBeNull();
    const anonymous = await upgrade(`/api/widget/conversations/${alicesTicket.id}/ws?token=${encodeURIComponent(await anonymousToken())}&after=0`);
    expect(anonymous.status).toBe(403);
    const forged = await upgrade(`/api/widget/conversations/${alicesTicket.id}/ws?token=${encodeURIComponent(tamperSignature(alice.token))}&after=0`);
    expect(forged.status).toBe(401);
  });

  it("refuses to start a chat with 403 chat_disabled while web chat is off", async () => {
    const shopper = await customer();
    await patchSettings({ webchatEnabled: false });
    try {
      const before = await ticketCount();
      await expectError(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 403, "chat_disabled");
      // Anonymous visitors still get login_required: they could not chat either way.
      await expectError(await call("/api/widget/conversations", { method: "POST", token: await anonymousToken() }), 403, "login_required");
      expect(await ticketCount()).toBe(before);
      await expectError(await call("/api/widget/conversations/active", { token: shopper.token }), 404, "not_found");
    } finally {
      await patchSettings({ webchatEnabled: true });
    }
    await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 201);
  });
});

describe("origin allowlist and CORS", () => {
  it("refuses a widget call from an origin that is not allowed with 403 forbidden, and changes nothing", async () => {
    const shopper = await customer();
    const evil = { Origin: "https://evil.example" };
    const before = await ticketCount();

    const start = await call("/api/widget/conversations", { method: "POST", token: shopper.token, headers: evil });
    expect(start.headers.get("Access-Control-Allow-Origin")).toBeNull();
    await expectError(start, 403, "forbidden");
    await expectError(await call("/api/widget/conversations/active", { token: shopper.token, headers: evil }), 403, "forbidden");
    expect(await ticketCount()).toBe(before);
    await expectError(await call("/api/widget/conversations/active", { token: shopper.token }), 404, "not_found");

    const externalId = `evil-${crypto.randomUUID()}`;
    await expectError(
      await session({ customer: { id: externalId, name: "Via Evil" }, userHash: await userHash(externalId) }, { headers: evil }),
      403,
      "forbidden",
    );
    expect(await profileByExternalId(externalId)).toBeNull();

    const preflight = await call("/api/widget/conversations", {
      method: "OPTIONS",
      headers: { ...evil, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBeNull();

    // WebSocket upgrades obey the same list.
    const ticket = await startChat(shopper.token);
    const socket = await upgrade(`/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(shopper.token)}&after=0`, {
      origin: "https://evil.example",
    });
    expect(socket.status).toBe(403);
    expect(socket.webSocket).toBeNull();
  });

  it("allows a configured origin with CORS headers and answers its preflight with 204", async () => {
    const shop = "https://shop.example";
    const shopper = await customer();
    await expectError(await call("/api/widget/conversations/active", { token: shopper.token, headers: { Origin: shop } }), 403, "forbidden");

    const settings = await patchSettings({ allowedOrigins: [shop] });
    expect(settings.allowedOrigins).toEqual([shop]);
    try {
      const config = await call("/api/widget/config", { headers: { Origin: shop } });
      expect(config.headers.get("Access-Control-Allow-Origin")).toBe(shop);
      await json(config, 200);

      const sess = await session({}, { headers: { Origin: shop } });
      expect(sess.headers.get("Access-Control-Allow-Origin")).toBe(shop);
      await json(sess, 200);

      const start = await call("/api/widget/conversations", { method: "POST", token: shopper.token, headers: { Origin: shop } });
      expect(start.headers.get("Access-Control-Allow-Origin")).toBe(shop);
      expect(start.headers.get("Vary") ?? "").toMatch(/origin/i);
      const { ticket } = await json(start, 201);

      const active = await call("/api/widget/conversations/active", { token: shopper.token, headers: { Origin: shop } });
      expect(active.headers.get("Access-Control-Allow-Origin")).toBe(shop);
      expect((await json(active, 200)).ticket.id).toBe(ticket.id);

      const preflight = await call("/api/widget/conversations", {
        method: "OPTIONS",
        headers: { Origin: shop, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe(shop);
      const allowHeaders = (preflight.headers.get("Access-Control-Allow-Headers") ?? "").toLowerCase().split(/\s*,\s*/);
      expect(allowHeaders).toContain("authorization");
      expect(allowHeaders).toContain("content-type");
      expect((preflight.headers.get("Access-Control-Allow-Methods") ?? "").toUpperCase()).toContain("POST");
      // A token-carrying CORS call must never be allowed to send cookies.
      expect(preflight.headers.get("Access-Control-Allow-Credentials")).not.toBe("true");

      // The allowed shop may open the customer's socket.
      const socket = await customerSocket(ticket.id, shopper.token);
      socket.close();
      const fromShop = await upgrade(`/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(shopper.token)}&after=0`, { origin: shop });
      expect(fromShop.status).toBe(101);
      fromShop.webSocket?.accept();
      fromShop.webSocket?.close(1000, "done");

      // Other origins are still refused.
      await expectError(
        await call("/api/widget/conversations/active", { token: shopper.token, headers: { Origin: "https://evil.example" } }),
        403,
        "forbidden",
      );
      await expectError(await call("/api/widget/conversations/active", { token: shopper.token, headers: { Origin: "http://shop.example" } }), 403, "forbidden");
    } finally {
      await patchSettings({ allowedOrigins: [] });
    }
    await expectError(await call("/api/widget/conversations/active", { token: shopper.token, headers: { Origin: shop } }), 403, "forbidden");
  });

  it("always allows the server's own origin (http://parley.test)", async () => {
    const own = "http://parley.test";
    expect((await json(await call("/api/settings", { cookie: admin }), 200)).allowedOrigins).toEqual([]);
    const shopper = await customer();
    const start = await call("/api/widget/conversations", { method: "POST", token: shopper.token, headers: { Origin: own } });
    const { ticket } = await json(start, 201);
    expect(start.headers.get("Access-Control-Allow-Origin") ?? own).toBe(own);
    expect((await json(await call("/api/widget/conversations/active", { token: shopper.token, headers: { Origin: own } }), 200)).ticket.id).toBe(ticket.id);
    await json(await session({}, { headers: { Origin: own } }), 200);
    await json(await call("/api/widget/config", { headers: { Origin: own } }), 200);

    // Even with an allowlist that does not name it.
    await patchSettings({ allowedOrigins: ["https://shop.example"] });
    try {
      expect((await json(await call("/api/widget/conversations/active", { token: shopper.token, headers: { Origin: own } }), 200)).ticket.id).toBe(ticket.id);
      const socket = await upgrade(`/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(shopper.token)}&after=0`, { origin: own });
      expect(socket.status).toBe(101);
      socket.webSocket?.accept();
      socket.webSocket?.close(1000, "done");
    } finally {
      await patchSettings({ allowedOrigins: [] });
    }
  });
});

describe("session rate limit", () => {
  it("answers 429 rate_limited with Retry-After after 30 sessions a minute from one IP", { timeout: 60_000 }, async () => {
    const ip = `2001:db8:${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}::2`;
    await clearOfWindowEdge(60, 8_000);
    for (let i = 0; i < 30; i++) await json(await session({}, { ip }), 200);
    const limited = await session({}, { ip });
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    await expectError(limited, 429, "rate_limited");

    // Identity checks from that IP are limited too (no HMAC guessing around the limit) ...
    const externalId = `limited-${crypto.randomUUID()}`;
    await expectError(await session({ customer: { id: externalId }, userHash: await userHash(externalId) }, { ip }), 429, "rate_limited");
    expect(await profileByExternalId(externalId)).toBeNull();
    // ... while another IP is not affected.
    await json(await session({}, { ip: `2001:db8:${crypto.randomUUID().slice(0, 4)}::3` }), 200);
  });
});
