// Outgoing webhooks: the admins' endpoints and their secrets.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { WebhookT } from "../../contract";
import { activeWebhooks, MAX_WEBHOOKS } from "../../worker/lib/webhooks/endpoints";
import { call, expectError, json } from "./helpers";
import { admin, agentCookie, database, patch, receiver, register, useWebhooksAdmin } from "./webhooks-fixtures";

useWebhooksAdmin();

async function listed(): Promise<WebhookT[]> {
  return (await json<{ webhooks: WebhookT[] }>(await call("/api/webhooks", { cookie: admin }), 200)).webhooks;
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
