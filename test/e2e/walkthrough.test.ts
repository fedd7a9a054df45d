// The core's "done when": a scripted customer and agent chat both ways through every part of
// the contract, against `npm start`.
import { describe, expect, inject, it } from "vitest";
import { http, ok, shopper, signIn, Socket } from "./client";

// A 1×1 PNG.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

describe("npm start serves the whole contract", () => {
  it("serves health, the inbox, the widget script, the demo store and the OpenAPI document", async () => {
    expect(await ok(await http("/healthz"))).toEqual({ ok: true });
    expect(await (await http("/")).text()).toContain('<div id="app">');
    const widget = await http("/widget.js");
    expect(widget.headers.get("content-type")).toContain("javascript");
    const demo = await (await http("/demo")).text();
    expect(demo).toContain('<script src="/widget.js" async>');
    const openapi = await ok(await http("/api/openapi.json"));
    expect(Object.keys(openapi.paths)).toContain("/api/tickets/{id}/messages");
  });

  it("lets a customer and an agent chat both ways, live", async () => {
    const admin = await signIn();
    await ok(
      await http("/api/settings", {
        method: "PATCH",
        cookie: admin,
        json: { welcomeMessage: "Hej! How can we help?", links: { privacy: "https://shop.example/privacy", terms: "https://shop.example/terms" } },
      }),
    );
    await ok(
      await http("/api/faqs", { method: "POST", cookie: admin, json: { question: "Do you ship abroad?", answer: "Yes, to all of the EU.", published: true } }),
      201,
    );
    const config = await ok(await http("/api/widget/config"));
    expect(config).toMatchObject({ enabled: true, welcomeMessage: "Hej! How can we help?", links: { privacy: "https://shop.example/privacy" } });
    expect(config.faqs.map((f: any) => f.question)).toContain("Do you ship abroad?");

    const externalId = `walk-${Date.now()}`;
    await ok(
      await http("/api/events", {
        method: "POST",
        token: inject("apiKey"),
        json: { profile: { externalId, name: "Wanda Walker" }, event: { name: "Placed Order", value: 1195, properties: { items: ["Merino Crew Sweater"] } } },
      }),
      202,
    );

    const inbox = new Socket("/api/inbox/ws", admin);
    await inbox.opened;
    await inbox.type("counts");

    const customer = await shopper(externalId, "Wanda Walker");
    const { ticket } = await ok(await http("/api/widget/conversations", { method: "POST", token: customer.token }), 201);
    const c = new Socket(`/api/widget/conversations/${ticket.id}/ws?token=${customer.token}&after=0`);
    await c.opened;
    expect(await c.type("hello")).toMatchObject({ ticketId: ticket.id, status: "open", lastSeq: 0 });

    c.send({ type: "send", clientId: "w-1", body: "Hi! Where is my sweater?" });
    expect(await c.type("ack")).toEqual({ type: "ack", clientId: "w-1", seq: 1 });
    const arrived = await inbox.next((f) => f.type === "ticket" && f.ticket.id === ticket.id);
    expect(arrived.ticket).toMatchObject({ unread: true, preview: "Hi! Where is my sweater?", customerName: "Wanda Walker" });
    expect((await inbox.type("counts")).unread).toBeGreaterThanOrEqual(1);

    const detail = await ok(await http(`/api/tickets/${ticket.id}`, { cookie: admin }));
    expect(detail.profile).toMatchObject({ externalId, name: "Wanda Walker" });
    expect(detail.events[0]).toMatchObject({ name: "Placed Order", value: 1195 });

    const a = new Socket(`/api/tickets/${ticket.id}/ws?after=0`, admin);
    await a.opened;
    expect(await a.type("hello")).toMatchObject({ lastSeq: 1 });
    expect(await a.type("message")).toMatchObject({ seq: 1, body: "Hi! Where is my sweater?", author: { kind: "customer" } });

    c.send({ type: "typing" });
    expect(await a.type("typing")).toEqual({ type: "typing", by: "customer", name: "Wanda Walker" });
    a.send({ type: "read", seq: 1 });
    expect(await c.type("read")).toEqual({ type: "read", by: "agent", seq: 1 });

    a.send({ type: "send", clientId: "a-1", body: "It left our warehouse this morning." });
    a.send({ type: "send", clientId: "a-2", body: "Tracking: SE123456789." });
    expect(await a.next((f) => f.type === "ack" && f.clientId === "a-2")).toMatchObject({ seq: 3 });
    // Replying assigned the ticket: the status frame follows the first reply, before the second.
    expect(await c.type("status")).toMatchObject({ status: "open", assigneeId: expect.any(String) });
    expect((await c.next((f) => f.type === "message" && f.seq === 3)).author.kind).toBe("agent");
    c.send({ type: "read", seq: 3 });
    expect(await a.type("read")).toEqual({ type: "read", by: "customer", seq: 3 });

    const form = new FormData();
    form.append("file", new Blob([PNG]), "photo.png");
    const upload = await ok(await http("/api/uploads", { method: "POST", token: customer.token, body: form }), 201);
    expect(upload).toMatchObject({ contentType: "image/png", size: PNG.byteLength });
    c.send({ type: "send", clientId: "w-2", body: "This is the one", attachments: [{ key: upload.key }] });
    const withImage = await a.next((f) => f.type === "message" && f.clientId === "w-2");
    expect(withImage.attachments[0]).toMatchObject({ key: upload.key, contentType: "image/png" });
    const image = await fetch(withImage.attachments[0].url);
    expect(image.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(PNG);

    c.send({ type: "send", clientId: "w-2", body: "This is the one", attachments: [{ key: upload.key }] });
    expect(await c.next((f) => f.type === "ack" && f.clientId === "w-2" && f.seq === 4)).toBeTruthy();

    const snoozed = await ok(
      await http(`/api/tickets/${ticket.id}`, {
        method: "PATCH",
        cookie: admin,
        json: { status: "snoozed", snoozeUntil: new Date(Date.now() + 3600_000).toISOString() },
      }),
    );
    expect(snoozed.ticket.status).toBe("snoozed");
    expect(await c.type("status")).toMatchObject({ status: "snoozed" });
    c.send({ type: "send", clientId: "w-3", body: "Thanks!" });
    expect(await a.next((f) => f.type === "status" && f.status === "open")).toBeTruthy();

    c.send({ type: "end" });
    expect(await a.next((f) => f.type === "status" && f.status === "closed")).toBeTruthy();
    c.send({ type: "send", clientId: "w-4", body: "Hello again?" });
    expect(await c.type("error")).toMatchObject({ code: "conversation_closed", clientId: "w-4" });
    const reopen = await http(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "open" } });
    expect(reopen.status).toBe(409);

    const next = await ok(await http("/api/widget/conversations", { method: "POST", token: customer.token }), 201);
    expect(next.ticket.id).not.toBe(ticket.id);

    const history = await ok(await http(`/api/tickets/${ticket.id}/messages`, { cookie: admin }));
    expect(history.messages.map((m: any) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    for (const socket of [c, a, inbox]) socket.close();
  });
});
