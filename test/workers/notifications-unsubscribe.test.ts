// The unsubscribe link every team notification email carries, and the admins' view of
// unsubscribes and of the email log.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { unsubscribeToken, unsubscribeUrl } from "../../worker/lib/notify/unsubscribe";
import { addAgent, call, expectError, json, sleep } from "./helpers";
import { admin, chatTicket, notify, ORIGIN, settings, useNotificationsAdmin } from "./notifications-fixtures";

useNotificationsAdmin();

const pathOf = (url: URL) => `${url.pathname}${url.search}`;

describe("unsubscribing", () => {
  const address = `ada-${crypto.randomUUID().slice(0, 8)}@shop.test`;
  let link: URL;

  beforeAll(async () => {
    // The link sendTicketNotification puts in this address's emails.
    link = new URL(unsubscribeUrl(ORIGIN, address, await unsubscribeToken(env, address)));
  });

  const unsubscribes = async () =>
    (await json<{ unsubscribes: Array<{ email: string; unsubscribedAt: string }> }>(await call("/api/notifications/unsubscribes", { cookie: admin }), 200))
      .unsubscribes;

  it("the link in an email opens a page that asks first: opening it changes nothing", async () => {
    const token = link.searchParams.get("token")!;
    expect(link.pathname).toBe("/api/notifications/unsubscribe");
    expect(link.searchParams.get("email")).toBe(address);
    for (let i = 0; i < 2; i++) {
      const page = await call(pathOf(link));
      expect(page.status).toBe(200);
      expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(page.headers.get("Content-Security-Policy")).toMatch(/default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'/);
      const body = await page.text();
      expect(body).toContain(address);
      expect(body).toContain(`<form method="post" action="/api/notifications/unsubscribe?email=${encodeURIComponent(address)}&amp;token=${token}">`);
      expect(body).not.toMatch(/<script|<link|src=/);
    }
    expect((await unsubscribes()).map((row) => row.email)).not.toContain(address);
  });

  it("a wrong token, or one made for another address, is a 400 page; a malformed address a 400 invalid_request", async () => {
    const other = await unsubscribeToken(env, "someone-else@shop.test");
    for (const token of [other, "A".repeat(43), "short", `${link.searchParams.get("token")}x`]) {
      for (const method of ["GET", "POST"]) {
        const page = await call(`/api/notifications/unsubscribe?email=${encodeURIComponent(address)}&token=${token}`, { method });
        expect(page.status, `${method} ${token}`).toBe(400);
        expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
        expect(await page.text()).toContain("This unsubscribe link is not valid");
      }
    }
    const resubscribe = await call(`/api/notifications/resubscribe?email=${encodeURIComponent(address)}&token=${other}`, { method: "POST" });
    expect(resubscribe.status).toBe(400);
    const malformed = await expectError(await call(`/api/notifications/unsubscribe?email=not-an-address&token=${other}`), 400, "invalid_request");
    expect(malformed.message).toMatch(/^email:/);
    expect((await expectError(await call(`/api/notifications/unsubscribe?email=${encodeURIComponent(address)}`), 400, "invalid_request")).message).toMatch(
      /^token:/,
    );
    expect((await unsubscribes()).map((row) => row.email)).not.toContain(address);
  });

  it("POST unsubscribes (once: doing it again keeps the first time), and the address gets no more emails", async () => {
    const first = await call(pathOf(link), { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "" });
    expect(first.status).toBe(200);
    const page = await first.text();
    expect(page).toContain(`${address}</strong> will get no more Parley emails`);
    expect(page).toContain(`action="/api/notifications/resubscribe?email=${encodeURIComponent(address)}&amp;token=`);
    const [row] = (await unsubscribes()).filter((entry) => entry.email === address);
    expect(row).toBeDefined();

    await sleep(5);
    expect((await call(pathOf(link), { method: "POST" })).status).toBe(200);
    expect((await unsubscribes()).filter((entry) => entry.email === address)).toEqual([row]);
    // Opening the link now says so, and offers to subscribe again.
    expect(await (await call(pathOf(link))).text()).toContain("will get no more Parley emails");

    const { ticket, messages } = await chatTicket("Ada Link", ["Hi again"]);
    expect(await notify({ ticket, messages, settings: { ...settings, notifyEmails: [address.toUpperCase()] } })).toEqual({ sent: [], error: null });
  });

  it("Subscribe again removes it, from the same link", async () => {
    const response = await call(pathOf(new URL(link.toString().replace("/unsubscribe?", "/resubscribe?"))), { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("You are subscribed again");
    expect((await unsubscribes()).map((entry) => entry.email)).not.toContain(address);
  });

  it("a mail client's RFC 8058 one-click POST unsubscribes and is answered plainly; the token works whatever the address's case", async () => {
    const upper = new URL(link);
    upper.searchParams.set("email", address.toUpperCase());
    const response = await call(pathOf(upper), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("Unsubscribed.");
    expect((await unsubscribes()).map((entry) => entry.email)).toContain(address);
  });
});

describe("admin routes", () => {
  let agent: string;
  beforeAll(async () => {
    agent = (await addAgent(admin)).cookie;
  });

  it("are for admins: 403 for agents, 401 without a session", async () => {
    for (const [method, path] of [
      ["GET", "/api/notifications/unsubscribes"],
      ["DELETE", "/api/notifications/unsubscribes/someone%40shop.test"],
      ["GET", "/api/notifications/log"],
    ] as const) {
      await expectError(await call(path, { method, cookie: agent }), 403, "forbidden");
      await expectError(await call(path, { method }), 401, "unauthorized");
    }
  });

  it("DELETE subscribes an address again (204), then 404; a malformed address is a 400", async () => {
    const address = `Asked-${crypto.randomUUID().slice(0, 8)}@shop.test`;
    const token = await unsubscribeToken(env, address);
    expect((await call(`/api/notifications/unsubscribe?email=${encodeURIComponent(address)}&token=${token}`, { method: "POST" })).status).toBe(200);
    const listed = await json(await call("/api/notifications/unsubscribes", { cookie: admin }), 200);
    expect(listed.unsubscribes).toContainEqual({ email: address.toLowerCase(), unsubscribedAt: expect.any(String) });

    expect((await call(`/api/notifications/unsubscribes/${encodeURIComponent(address)}`, { method: "DELETE", cookie: admin })).status).toBe(204);
    await expectError(await call(`/api/notifications/unsubscribes/${encodeURIComponent(address)}`, { method: "DELETE", cookie: admin }), 404, "not_found");
    const after = await json(await call("/api/notifications/unsubscribes", { cookie: admin }), 200);
    expect(after.unsubscribes.map((row: { email: string }) => row.email)).not.toContain(address.toLowerCase());
    expect(
      (await expectError(await call("/api/notifications/unsubscribes/not-an-address", { method: "DELETE", cookie: admin }), 400, "invalid_request")).message,
    ).toMatch(/^email:/);
  });

  it("the log lists emails newest first, with a limit", async () => {
    const { ticket, messages } = await chatTicket("Finn Log", ["Hi"]);
    await notify({ ticket, messages, settings: { ...settings, notifyEmails: ["log-a@shop.test"] } });
    await sleep(5);
    await notify({ ticket, messages, settings: { ...settings, notifyEmails: ["log-b@shop.test"] } });
    const { emails } = await json(await call("/api/notifications/log?limit=2", { cookie: admin }), 200);
    expect(emails).toHaveLength(2);
    expect(emails.map((row: { recipient: string }) => row.recipient)).toEqual(["log-b@shop.test", "log-a@shop.test"]);
    expect(emails[0]).toEqual({
      id: expect.stringMatching(/^eml_/),
      ticketId: ticket.id,
      kind: "new_ticket",
      recipient: "log-b@shop.test",
      subject: "New chat from Finn Log: Hi",
      sentAt: expect.any(String),
    });
    for (const limit of ["0", "201", "many"]) {
      expect((await expectError(await call(`/api/notifications/log?limit=${limit}`, { cookie: admin }), 400, "invalid_request")).message).toMatch(/^limit:/);
    }
  });
});
