// Store integration (events by API key, shown with the ticket) and image uploads to R2,
// including attachments on messages.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addAgent, agentSocket, call, customer, customerSocket, expectError, json, login, startChat } from "./helpers";

let admin: string;

beforeAll(async () => {
  admin = await login();
});

const API_KEY = "test-api-key";
const postEvent = (body: unknown, headers: Record<string, string> = { Authorization: `Bearer ${API_KEY}` }) =>
  call("/api/events", { method: "POST", json: body, headers });
const profileRow = (externalId: string) =>
  env.DB.prepare("SELECT id, external_id AS externalId, email, phone, name FROM profiles WHERE external_id = ?").bind(externalId).first();
const count = async (table: "events" | "profiles") => (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

/** A customer whose ticket is in the inbox: they opened a chat and wrote in it. */
async function ticketWithMessage() {
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const socket = await customerSocket(ticket.id, shopper.token);
  socket.send({ type: "send", clientId: "first", body: "Hello, a question about my order" });
  expect(await socket.nextOfType("ack")).toMatchObject({ clientId: "first", seq: 1 });
  return { shopper, ticket, socket };
}

// ---- tiny but real image headers ---------------------------------------------------------------

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
const PNG = fromBase64("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
const GIF = fromBase64("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
const JPEG = new Uint8Array([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9,
]);
const WEBP = (() => {
  const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
  const chunk = [...ascii("VP8L"), 0x0a, 0, 0, 0, 0x2f, 0, 0, 0, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00];
  const body = [...ascii("WEBP"), ...chunk];
  const size = body.length;
  return new Uint8Array([...ascii("RIFF"), size & 0xff, (size >> 8) & 0xff, 0, 0, ...body]);
})();
const TEXT = new TextEncoder().encode("hello, I am plain text pretending to be a picture\n");

function upload(
  bytes: Uint8Array,
  name: string,
  auth: { cookie?: string; token?: string; headers?: Record<string, string> } = {},
  type = "application/octet-stream",
) {
  const form = new FormData();
  form.append("file", new File([bytes], name, { type }));
  return call("/api/uploads", { method: "POST", body: form, ...auth });
}

const objectCount = async () => (await env.UPLOADS.list()).objects.length;

describe("POST /api/events", () => {
  it("records an event with the API key (202) and upserts the profile by externalId", async () => {
    const externalId = `shopify-${crypto.randomUUID()}`;
    const first = await json(
      await postEvent({ profile: { externalId, email: "old@example.com", name: "Greta Garbo", phone: "+46700000000" }, event: { name: "Viewed Product" } }),
      202,
    );
    expect(first).toEqual({ profileId: expect.any(String), eventId: expect.any(String) });
    expect(await profileRow(externalId)).toEqual({ id: first.profileId, externalId, email: "old@example.com", phone: "+46700000000", name: "Greta Garbo" });

    const second = await json(
      await postEvent({ profile: { externalId, email: "new@example.com" }, event: { name: "Received Email", properties: { subject: "Your order" } } }),
      202,
    );
    expect(second.profileId).toBe(first.profileId);
    expect(second.eventId).not.toBe(first.eventId);
    // The email is updated; name and phone, not sent this time, are kept.
    expect(await profileRow(externalId)).toEqual({ id: first.profileId, externalId, email: "new@example.com", phone: "+46700000000", name: "Greta Garbo" });

    const rows = (await env.DB.prepare("SELECT name, properties FROM events WHERE profile_id = ? ORDER BY created_at, rowid").bind(first.profileId).all())
      .results;
    expect(rows.map((r) => r.name)).toEqual(["Viewed Product", "Received Email"]);
    expect(JSON.parse(rows[1]!.properties as string)).toEqual({ subject: "Your order" });
  });

  it("refuses a wrong or missing API key with 401 unauthorized and stores nothing", async () => {
    const externalId = `shopify-${crypto.randomUUID()}`;
    const body = { profile: { externalId, name: "Intruder" }, event: { name: "Placed Order", value: 1 } };
    const before = { events: await count("events"), profiles: await count("profiles") };
    const agent = await addAgent(admin);
    const attempts: Array<Record<string, string>> = [
      {},
      { Authorization: "Bearer wrong-key" },
      { Authorization: `Bearer ${API_KEY}x` },
      { Authorization: `Bearer ${API_KEY.slice(0, -1)}` },
      { Authorization: API_KEY },
      { Authorization: `Basic ${btoa(`${API_KEY}:`)}` },
      { Authorization: "Bearer " },
    ];
    for (const headers of attempts) await expectError(await postEvent(body, headers), 401, "unauthorized");
    // An agent session is not the store's key, nor is a widget token.
    await expectError(await call("/api/events", { method: "POST", json: body, cookie: agent.cookie }), 401, "unauthorized");
    await expectError(await call("/api/events", { method: "POST", json: body, token: (await customer()).token }), 401, "unauthorized");
    const afterCustomer = await count("profiles"); // customer() above made exactly one profile
    expect(afterCustomer).toBe(before.profiles + 1);
    expect(await count("events")).toBe(before.events);
    expect(await profileRow(externalId)).toBeNull();
  });

  it("rejects an invalid body with 400 invalid_request naming the field, and stores nothing", async () => {
    const before = { events: await count("events"), profiles: await count("profiles") };
    const externalId = `shopify-${crypto.randomUUID()}`;
    const cases: Array<[unknown, string]> = [
      [{ profile: { externalId }, event: {} }, "event.name"],
      [{ profile: {}, event: { name: "Placed Order" } }, "profile.externalId"],
      [{ profile: { externalId, email: "nope" }, event: { name: "Placed Order" } }, "profile.email"],
      [{ profile: { externalId }, event: { name: "Placed Order", value: "12.50" } }, "event.value"],
      [{ profile: { externalId }, event: { name: "Placed Order", occurredAt: "yesterday" } }, "event.occurredAt"],
      [{ profile: { externalId }, event: { name: "Placed Order", properties: ["not", "an", "object"] } }, "event.properties"],
      [{ event: { name: "Placed Order" } }, "profile"],
    ];
    for (const [body, field] of cases) {
      const error = await expectError(await postEvent(body), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toContain(field);
    }
    await expectError(
      await call("/api/events", { method: "POST", body: '{"profile":', headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" } }),
      400,
      "invalid_request",
    );
    expect(await count("events")).toBe(before.events);
    expect(await count("profiles")).toBe(before.profiles);
  });
});

describe("GET /api/tickets/:id with the customer's profile and events", () => {
  it("returns {ticket, profile, events}, newest events first, with value and properties", async () => {
    const { shopper, ticket, socket } = await ticketWithMessage();
    const items = [
      { sku: "MERINO-CREW-M", title: "Merino Crew Sweater", quantity: 1, price: 1195 },
      { sku: "WOOL-SOCKS", title: "Wool Socks", quantity: 2, price: 149 },
    ];
    // Posted newest-first on purpose: the order shown must follow occurredAt, not arrival.
    await json(
      await postEvent({
        profile: { externalId: shopper.externalId, email: "casey.new@example.com" },
        event: { name: "Placed Order", value: 1493, properties: { orderId: "#1001", items }, occurredAt: "2026-03-02T10:00:00Z" },
      }),
      202,
    );
    await json(
      await postEvent({
        profile: { externalId: shopper.externalId },
        event: { name: "Received Email", properties: { subject: "Thanks for your order" }, occurredAt: "2026-03-01T09:00:00.000Z" },
      }),
      202,
    );
    await json(
      await postEvent({ profile: { externalId: shopper.externalId }, event: { name: "Viewed Product", occurredAt: "2026-02-28T08:00:00.000Z" } }),
      202,
    );
    // Someone else's event never shows here.
    await json(
      await postEvent({
        profile: { externalId: `someone-${crypto.randomUUID()}` },
        event: { name: "Placed Order", value: 5, occurredAt: "2026-03-03T10:00:00Z" },
      }),
      202,
    );

    const agent = await addAgent(admin);
    const body = await json(await call(`/api/tickets/${ticket.id}`, { cookie: agent.cookie }), 200);
    expect(Object.keys(body).sort()).toEqual(["events", "profile", "recentTickets", "ticket"]);
    expect(body.recentTickets.map((recent: { id: string }) => recent.id)).toEqual([ticket.id]);
    expect(body.ticket).toMatchObject({
      id: ticket.id,
      status: "open",
      channel: "webchat",
      profileId: shopper.profileId,
      preview: "Hello, a question about my order",
      unread: true,
    });
    expect(body.profile).toEqual({
      id: shopper.profileId,
      externalId: shopper.externalId,
      email: "casey.new@example.com",
      phone: null,
      name: shopper.name,
      createdAt: expect.any(String),
    });
    expect(body.events.map((e: { name: string }) => e.name)).toEqual(["Placed Order", "Received Email", "Viewed Product"]);
    expect(body.events[0]).toEqual({
      id: expect.any(String),
      name: "Placed Order",
      value: 1493,
      properties: { orderId: "#1001", items },
      occurredAt: "2026-03-02T10:00:00.000Z",
    });
    expect(body.events[1]).toMatchObject({
      name: "Received Email",
      value: null,
      properties: { subject: "Thanks for your order" },
      occurredAt: "2026-03-01T09:00:00.000Z",
    });
    expect(body.events[2]).toMatchObject({ name: "Viewed Product", value: null, properties: null });

    await expectError(await call(`/api/tickets/${ticket.id}`), 401, "unauthorized");
    socket.close();
  });

  it("answers 404 not_found for a ticket the customer opened but never wrote in, and for an unknown id", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    await expectError(await call(`/api/tickets/${ticket.id}`, { cookie: admin }), 404, "not_found");
    await expectError(await call("/api/tickets/tkt_doesnotexist", { cookie: admin }), 404, "not_found");
  });
});

describe("uploads", () => {
  it("accepts png, jpeg, gif and webp recognised by their bytes, whatever the name or declared type (201)", async () => {
    const cases: Array<[Uint8Array, string, string]> = [
      [PNG, "photo.bin", "image/png"],
      [JPEG, "photo.txt", "image/jpeg"],
      [GIF, "no-extension", "image/gif"],
      [WEBP, "picture.png", "image/webp"],
    ];
    for (const [bytes, name, contentType] of cases) {
      const stored = await json(await upload(bytes, name, { cookie: admin }, "text/plain"), 201);
      expect(stored).toEqual({ key: expect.stringMatching(/^[0-9a-f]{32}$/), url: expect.any(String), contentType, size: bytes.byteLength });
      const url = new URL(stored.url);
      expect(url.origin).toBe("http://parley.test");
      expect(url.pathname).toContain(stored.key);
    }
  });

  it("refuses a text file named x.png with 415 and more than 10 MiB with 413, storing nothing", async () => {
    const before = await objectCount();
    await expectError(await upload(TEXT, "x.png", { cookie: admin }, "image/png"), 415, "unsupported_media_type");
    await expectError(await upload(new Uint8Array(0), "empty.png", { cookie: admin }, "image/png"), 415, "unsupported_media_type");
    // SVG (which can carry script) is not one of the four types.
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    await expectError(await upload(svg, "x.svg", { cookie: admin }, "image/svg+xml"), 415, "unsupported_media_type");

    const justOver = new Uint8Array(10 * 1024 * 1024 + 1);
    justOver.set(PNG);
    await expectError(await upload(justOver, "big.png", { cookie: admin }, "image/png"), 413, "too_large");
    const farOver = new Uint8Array(12 * 1024 * 1024);
    farOver.set(PNG);
    await expectError(await upload(farOver, "huge.png", { cookie: admin }, "image/png"), 413, "too_large");
    expect(await objectCount()).toBe(before);

    // Exactly 10 MiB is allowed.
    const limit = new Uint8Array(10 * 1024 * 1024);
    limit.set(PNG);
    expect((await json(await upload(limit, "max.png", { cookie: admin }), 201)).size).toBe(10 * 1024 * 1024);
  });

  it("takes uploads from agents and identified customers only: anonymous 403 login_required, no auth 401", async () => {
    const before = await objectCount();
    const anonymous = (await json(await call("/api/widget/session", { method: "POST", json: {} }), 200)).token;
    await expectError(await upload(PNG, "a.png", { token: anonymous }), 403, "login_required");
    await expectError(await upload(PNG, "a.png"), 401, "unauthorized");
    await expectError(await upload(PNG, "a.png", { token: "forged.token.value" }), 401, "unauthorized");
    await expectError(await upload(PNG, "a.png", { cookie: "parley_session=nope" }), 401, "unauthorized");
    expect(await objectCount()).toBe(before);

    const shopper = await customer();
    const stored = await json(await upload(PNG, "from-customer.png", { token: shopper.token }), 201);
    expect(stored).toMatchObject({ contentType: "image/png", size: PNG.byteLength });
    expect(await objectCount()).toBe(before + 1);
  });

  it("serves the stored bytes with the stored type and nosniff; an unknown key is 404", async () => {
    const shopper = await customer();
    for (const [bytes, type] of [
      [GIF, "image/gif"],
      [WEBP, "image/webp"],
    ] as const) {
      const stored = await json(await upload(bytes, "file.txt", { token: shopper.token }, "text/html"), 201);
      const served = await call(new URL(stored.url).pathname);
      expect(served.status).toBe(200);
      expect(served.headers.get("Content-Type")).toBe(type);
      expect(served.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
    }
    await expectError(await call(`/api/uploads/${"0".repeat(32)}`), 404, "not_found");
    await expectError(await call(`/api/uploads/${crypto.randomUUID().replaceAll("-", "")}`), 404, "not_found");
  });

  it("refuses a customer's upload from an origin that is not allowed with 403 forbidden, storing nothing", async () => {
    const shopper = await customer();
    const before = await objectCount();
    await expectError(await upload(PNG, "evil.png", { token: shopper.token, headers: { Origin: "https://evil.example" } }), 403, "forbidden");
    expect(await objectCount()).toBe(before);
  });

  it("lets a customer's upload from an allowed shop origin through with CORS and a 204 preflight", async () => {
    const shop = "https://shop.example";
    const shopper = await customer();
    await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { allowedOrigins: [shop] } }), 200);
    try {
      const fromShop = await upload(PNG, "shop.png", { token: shopper.token, headers: { Origin: shop } });
      expect(fromShop.headers.get("Access-Control-Allow-Origin")).toBe(shop);
      await json(fromShop, 201);

      const preflight = await call("/api/uploads", {
        method: "OPTIONS",
        headers: { Origin: shop, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe(shop);
      expect((preflight.headers.get("Access-Control-Allow-Headers") ?? "").toLowerCase()).toContain("authorization");
    } finally {
      await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { allowedOrigins: [] } }), 200);
    }
  });
});

describe("attachments on messages", () => {
  it("carries an uploaded image on a message as {key, url, contentType, size}", async () => {
    const { shopper, ticket, socket } = await ticketWithMessage();
    const stored = await json(await upload(JPEG, "receipt.jpg", { token: shopper.token }), 201);

    socket.send({ type: "send", clientId: "with-photo", body: "Here is the receipt", attachments: [{ key: stored.key }] });
    const message = await socket.next((f) => f.type === "message" && f.seq === 2);
    expect(await socket.nextOfType("ack")).toEqual({ type: "ack", clientId: "with-photo", seq: 2 });
    expect(message.attachments).toEqual([{ key: stored.key, url: stored.url, contentType: "image/jpeg", size: JPEG.byteLength }]);

    // The agent sees the same attachment, and can fetch the bytes from its url.
    const agent = await addAgent(admin);
    const agentSide = await agentSocket(ticket.id, agent.cookie);
    const seen = await agentSide.next((f) => f.type === "message" && f.seq === 2);
    expect(seen.attachments).toEqual(message.attachments);
    const served = await call(new URL(seen.attachments[0].url).pathname, { cookie: agent.cookie });
    expect(served.status).toBe(200);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(JPEG);

    // An agent reply over REST with the agent's own upload.
    const agentUpload = await json(await upload(PNG, "label.png", { cookie: agent.cookie }), 201);
    const reply = await json(
      await call(`/api/tickets/${ticket.id}/messages`, {
        method: "POST",
        cookie: agent.cookie,
        json: { clientId: "agent-photo", body: "Your label", attachments: [{ key: agentUpload.key }] },
      }),
      201,
    );
    expect(reply.message.attachments).toEqual([{ key: agentUpload.key, url: agentUpload.url, contentType: "image/png", size: PNG.byteLength }]);
    expect((await socket.next((f) => f.type === "message" && f.seq === 3)).attachments).toEqual(reply.message.attachments);
    socket.close();
    agentSide.close();
  });

  it("refuses someone else's upload key with an error frame invalid_frame and stores no message", async () => {
    const { ticket, socket } = await ticketWithMessage();
    const stranger = await customer();
    const strangers = await json(await upload(PNG, "stranger.png", { token: stranger.token }), 201);
    const agentsUpload = await json(await upload(GIF, "agent.gif", { cookie: admin }), 201);

    socket.send({ type: "send", clientId: "steal-1", body: "look", attachments: [{ key: strangers.key }] });
    expect(await socket.nextOfType("error")).toMatchObject({ type: "error", code: "invalid_frame", clientId: "steal-1" });
    socket.send({ type: "send", clientId: "steal-2", body: "look", attachments: [{ key: agentsUpload.key }] });
    expect(await socket.nextOfType("error")).toMatchObject({ type: "error", code: "invalid_frame", clientId: "steal-2" });
    socket.send({ type: "send", clientId: "no-such", body: "look", attachments: [{ key: "f".repeat(32) }] });
    expect(await socket.nextOfType("error")).toMatchObject({ type: "error", code: "invalid_frame", clientId: "no-such" });
    socket.send({ type: "send", clientId: "bad-key", body: "look", attachments: [{ key: "../../etc/passwd" }] });
    expect(await socket.nextOfType("error")).toMatchObject({ type: "error", code: "invalid_frame", clientId: "bad-key" });

    // Nothing was stored: the next message still gets seq 2, and the socket stayed open.
    socket.send({ type: "send", clientId: "plain", body: "never mind" });
    expect(await socket.nextOfType("ack")).toEqual({ type: "ack", clientId: "plain", seq: 2 });
    expect(socket.messages().map((m) => m.seq)).toEqual([1, 2]);

    // An agent may not attach a customer's upload over REST either.
    const reply = await call(`/api/tickets/${ticket.id}/messages`, {
      method: "POST",
      cookie: admin,
      json: { clientId: "agent-steal", body: "look", attachments: [{ key: strangers.key }] },
    });
    await expectError(reply, 400, "invalid_request");
    const { messages } = await json(await call(`/api/tickets/${ticket.id}/messages`, { cookie: admin }), 200);
    expect(messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
    socket.close();
  });
});
