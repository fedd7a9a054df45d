// The agent surface (every cookie call, the ticket socket, the inbox socket) answers only the
// server's own origin (spec v2 "Origins and headers"). allowedOrigins admit store pages to the
// widget surface only: a store on the same site as Parley (www.shop.com beside help.shop.com)
// gets the agent's SameSite=Strict cookie sent along with its requests, so it must not be let in.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { BASE, Client, call, customer, customerSocket, expectError, json, login, sendAndWait, startChat, upgrade } from "./helpers";
import { receiverScope } from "./webhook-receiver-control";

const SHOP = "https://shop.example.com";
const SAME_SITE_SHOP = "http://www.parley.test";
const FOREIGN = [SHOP, SAME_SITE_SHOP, "null"];

let admin: string;
let shopper: Awaited<ReturnType<typeof customer>>;
let ticket: TicketT;
let webhookId: string;

const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

const uploadForm = () => {
  const form = new FormData();
  form.set("file", new File([PNG], "pixel.png", { type: "image/png" }));
  return form;
};

/** An upload count that no test in this file shares (R2 is per test file). */
const storedUploads = async () => (await env.UPLOADS.list()).objects.length;

const messagesOf = async (ticketId: string) =>
  (await json(await call(`/api/tickets/${ticketId}/messages`, { cookie: admin }), 200)).messages as Array<{ body: string }>;
const sealedSecret = (id: string) => env.DB.prepare("SELECT secret_ciphertext AS secret FROM webhooks WHERE id = ?").bind(id).first<{ secret: string }>();
const sessionCount = () =>
  env.DB.prepare("SELECT count(*) AS n FROM sessions")
    .first<{ n: number }>()
    .then((row) => row!.n);

/** Every state-changing cookie call the inbox makes, as a page elsewhere would forge it. */
const forgedChanges = (headers: Record<string, string>) => [
  () =>
    call(`/api/tickets/${ticket.id}/messages`, {
      method: "POST",
      cookie: admin,
      headers,
      json: { clientId: `forged-${crypto.randomUUID()}`, body: "Your refund is on its way: https://evil.example/refund" },
    }),
  () => call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, headers, json: { status: "closed" } }),
  () => call("/api/settings", { method: "PATCH", cookie: admin, headers, json: { allowedOrigins: ["https://evil.example"] } }),
  () => call(`/api/webhooks/${webhookId}/secret`, { method: "POST", cookie: admin, headers }),
  () =>
    call("/api/agents", {
      method: "POST",
      cookie: admin,
      headers,
      json: { email: "mallory@evil.example", name: "Mallory", role: "admin", password: "mallory-password-1" },
    }),
  () => call("/api/uploads", { method: "POST", cookie: admin, headers, body: uploadForm() }),
  () => call("/api/auth/logout", { method: "POST", cookie: admin, headers }),
];

/** What the forged calls would have changed, read through the server's own origin. */
async function snapshot() {
  const [messages, state, settings, secret, agents, uploads, sessions] = await Promise.all([
    messagesOf(ticket.id),
    json(await call(`/api/tickets/${ticket.id}`, { cookie: admin }), 200),
    json(await call("/api/settings", { cookie: admin }), 200),
    sealedSecret(webhookId),
    json(await call("/api/agents", { cookie: admin }), 200),
    storedUploads(),
    sessionCount(),
  ]);
  return {
    messages: messages.length,
    status: state.ticket.status,
    origins: settings.allowedOrigins,
    secret: secret!.secret,
    agents: agents.agents.length,
    uploads,
    sessions,
  };
}

beforeAll(async () => {
  admin = await login();
  shopper = await customer();
  ticket = await startChat(shopper.token);
  const socket = await customerSocket(ticket.id, shopper.token);
  await sendAndWait(socket, "c-1", "Where is my order?");
  socket.close();
  // The store is a trusted widget origin: it may embed the chat, not act as an agent.
  await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { allowedOrigins: [SHOP, SAME_SITE_SHOP] } }), 200);
  const created = await json(
    await call("/api/webhooks", { method: "POST", cookie: admin, json: { url: receiverScope().url(), events: ["message.created"] } }),
    201,
  );
  webhookId = created.webhook.id;
});

describe("agent sockets answer only the server's own origin", () => {
  it("refuses the inbox socket from an allowed store origin, a same-site page and an opaque origin, before any frame", async () => {
    for (const origin of FOREIGN) {
      const response = await upgrade("/api/inbox/ws?since=1", { cookie: admin, origin });
      expect(response.webSocket, origin).toBeNull();
      await expectError(response, 403, "forbidden");
    }
  });

  it("refuses the agent's ticket socket from a store page, so nothing is read or sent as the agent", async () => {
    const before = (await messagesOf(ticket.id)).length;
    for (const origin of FOREIGN) {
      const response = await upgrade(`/api/tickets/${ticket.id}/ws?after=0`, { cookie: admin, origin });
      expect(response.webSocket, origin).toBeNull();
      await expectError(response, 403, "forbidden");
    }
    expect((await messagesOf(ticket.id)).length).toBe(before);
  });

  it("accepts both sockets from the server's own origin", async () => {
    for (const path of ["/api/inbox/ws", `/api/tickets/${ticket.id}/ws?after=0`]) {
      const response = await upgrade(path, { cookie: admin, origin: BASE });
      expect(response.status, path).toBe(101);
      new Client(response.webSocket!).close();
    }
  });
});

describe("agent REST calls answer only the server's own origin", () => {
  it("refuses reads from a store page with 403", async () => {
    for (const origin of FOREIGN) {
      for (const path of [
        "/api/tickets?status=open",
        `/api/tickets/${ticket.id}`,
        `/api/tickets/${ticket.id}/messages`,
        "/api/me",
        "/api/inbox/counts",
        "/api/settings",
      ]) {
        await expectError(await call(path, { cookie: admin, headers: { Origin: origin } }), 403, "forbidden");
      }
    }
  });

  it("refuses every change from a store page with 403, and changes nothing", async () => {
    const before = await snapshot();
    for (const origin of FOREIGN) {
      for (const forge of forgedChanges({ Origin: origin })) await expectError(await forge(), 403, "forbidden");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a change with no Origin but Sec-Fetch-Site cross-site or same-site, and changes nothing", async () => {
    const before = await snapshot();
    for (const site of ["cross-site", "same-site"]) {
      for (const forge of forgedChanges({ "Sec-Fetch-Site": site })) await expectError(await forge(), 403, "forbidden");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a sign-in posted from another site (login CSRF)", async () => {
    const sessions = await sessionCount();
    for (const headers of [{ Origin: SHOP }, { Origin: "null" }, { "Sec-Fetch-Site": "cross-site" }] as Array<Record<string, string>>) {
      await expectError(
        await call("/api/auth/login", { method: "POST", headers, json: { email: "admin@example.com", password: "admin-password-123" } }),
        403,
        "forbidden",
      );
    }
    expect(await sessionCount()).toBe(sessions);
  });

  it("serves the inbox's own calls: its origin, Sec-Fetch-Site same-origin, or no browser at all", async () => {
    for (const headers of [{ Origin: BASE, "Sec-Fetch-Site": "same-origin" }, { "Sec-Fetch-Site": "same-origin" }, { "Sec-Fetch-Site": "none" }, {}] as Array<
      Record<string, string>
    >) {
      const reply = await json(
        await call(`/api/tickets/${ticket.id}/messages`, {
          method: "POST",
          cookie: admin,
          headers,
          json: { clientId: `own-${crypto.randomUUID()}`, body: "On its way!" },
        }),
        201,
      );
      expect(reply.message.author.kind).toBe("agent");
      expect((await call("/api/uploads", { method: "POST", cookie: admin, headers, body: uploadForm() })).status).toBe(201);
    }
  });
});

describe("allowedOrigins still admit store pages to the widget surface", () => {
  it("serves the widget's session, config, chat, socket and uploads from an allowed store", async () => {
    const headers = { Origin: SHOP };
    expect((await call("/api/widget/config", { headers })).status).toBe(200);
    const session = await json(await call("/api/widget/session", { method: "POST", headers, json: {} }), 200);
    expect(session.token).toBeTruthy();
    const { ticket: open } = await json(await call("/api/widget/conversations/active", { token: shopper.token, headers }), 200);
    expect(open.id).toBe(ticket.id);
    const socket = await upgrade(`/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(shopper.token)}&after=0`, { origin: SHOP });
    expect(socket.status).toBe(101);
    new Client(socket.webSocket!).close();
    expect((await call("/api/uploads", { method: "POST", token: shopper.token, headers, body: uploadForm() })).status).toBe(201);
  });

  it("refuses a cookie on the upload route from a store page even though the store may upload as a customer", async () => {
    const before = await storedUploads();
    await expectError(
      await call("/api/uploads", { method: "POST", cookie: admin, token: shopper.token, headers: { Origin: SHOP }, body: uploadForm() }),
      403,
      "forbidden",
    );
    expect(await storedUploads()).toBe(before);
  });
});
