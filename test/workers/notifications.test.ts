// Team notification emails: who gets one and what it says (sent through the real send_email
// binding in workerd, and its refusals through a restricted one), the unsubscribe link every email
// carries, the admins' view, the agent's own preference, and the ticket object's batching.
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { MessageT, SettingsT, TicketT } from "../../contract";
import { db } from "../../worker/db/client";
import { emailLog } from "../../worker/db/schema";
import { composeNotification } from "../../worker/lib/notify/compose";
import { sendTicketNotification } from "../../worker/lib/notify/send";
import { unsubscribeToken, unsubscribeUrl } from "../../worker/lib/notify/unsubscribe";
import { addAgent, call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, sleep, startChat } from "./helpers";

const ORIGIN = "https://parley.test";
const database = db(env.DB);

let admin: string;
let settings: SettingsT;

beforeAll(async () => {
  admin = await login();
  settings = await json(await call("/api/settings", { cookie: admin }), 200);
});

/** A real web chat ticket: a customer opens it and writes `bodies`; returns it as agents see it. */
async function chatTicket(name: string, bodies: string[]): Promise<{ ticket: TicketT; messages: MessageT[]; token: string }> {
  const shopper = await customer(undefined, name);
  const opened = await startChat(shopper.token);
  const socket = await customerSocket(opened.id, shopper.token);
  for (const [index, body] of bodies.entries()) expect((await sendAndWait(socket, `m${index}`, body)).type).toBe("ack");
  socket.close();
  const { ticket } = await json<{ ticket: TicketT }>(await call(`/api/tickets/${opened.id}`, { cookie: admin }), 200);
  const { messages } = await json<{ messages: MessageT[] }>(await call(`/api/tickets/${opened.id}/messages`, { cookie: admin }), 200);
  return { ticket, messages, token: shopper.token };
}

const loggedFor = (ticketId: string) => database.select().from(emailLog).where(eq(emailLog.ticketId, ticketId)).orderBy(emailLog.sentAt);

const notify = (input: Partial<Parameters<typeof sendTicketNotification>[2]> & { ticket: TicketT; messages: MessageT[] }, binding?: SendEmail) =>
  sendTicketNotification(binding ? { ...env, NOTIFY_EMAIL: binding } : env, database, {
    kind: "new_ticket",
    phone: null,
    origin: ORIGIN,
    settings,
    alreadySent: [],
    ...input,
  });

const pathOf = (url: URL) => `${url.pathname}${url.search}`;

describe("sendTicketNotification", () => {
  it("emails each address in notifyEmails once (addresses compared without case) through NOTIFY_EMAIL, and logs each", async () => {
    const { ticket, messages } = await chatTicket("Ada Lovelace", ["Where is my order #1042?"]);
    const result = await notify({ ticket, messages, settings: { ...settings, notifyEmails: ["Team@Shop.test", "team@shop.test", "lead@shop.test"] } });
    expect(result).toEqual({ sent: ["team@shop.test", "lead@shop.test"], error: null });

    const logged = await loggedFor(ticket.id);
    expect(logged.map((row) => [row.kind, row.recipient]).sort()).toEqual([
      ["new_ticket", "lead@shop.test"],
      ["new_ticket", "team@shop.test"],
    ]);
    for (const row of logged) {
      expect(row.id).toMatch(/^eml_[0-9a-f]{32}$/);
      expect(row.subject).toBe("New chat from Ada Lovelace: Where is my order #1042?");
      expect(Date.parse(row.sentAt)).toBeGreaterThan(Date.now() - 10_000);
    }
  });

  it("skips unsubscribed addresses (any case) and those an earlier attempt already emailed", async () => {
    const { ticket, messages } = await chatTicket("Bo Andersson", ["Hello?"]);
    const gone = `gone-${crypto.randomUUID().slice(0, 8)}@shop.test`;
    const token = await unsubscribeToken(env, gone);
    expect((await call(`/api/notifications/unsubscribe?email=${encodeURIComponent(gone)}&token=${token}`, { method: "POST" })).status).toBe(200);

    const result = await notify({
      ticket,
      messages,
      settings: { ...settings, notifyEmails: [gone.toUpperCase(), "first@shop.test", "second@shop.test"] },
      alreadySent: ["FIRST@shop.test"],
    });
    expect(result).toEqual({ sent: ["second@shop.test"], error: null });
    expect((await loggedFor(ticket.id)).map((row) => row.recipient)).toEqual(["second@shop.test"]);
  });

  it("emails a customer reply only to the ticket's assignee, and only when that agent asked for it", async () => {
    const { ticket, messages } = await chatTicket("Cleo Reply", ["First question", "And one more thing"]);
    const optedIn = await addAgent(admin);
    const optedOut = await addAgent(admin);
    await json(await call("/api/me", { method: "PATCH", cookie: optedIn.cookie, json: { notifyOnAssignedReply: true } }), 200);
    const team = { ...settings, notifyEmails: ["team@shop.test"] };

    expect(await notify({ kind: "customer_reply", ticket, messages, settings: team })).toEqual({ sent: [], error: null });
    const toOptedOut = await json<{ ticket: TicketT }>(
      await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { assigneeId: optedOut.agent.id } }),
      200,
    );
    expect(await notify({ kind: "customer_reply", ticket: toOptedOut.ticket, messages, settings: team })).toEqual({ sent: [], error: null });

    const toOptedIn = await json<{ ticket: TicketT }>(
      await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { assigneeId: optedIn.agent.id } }),
      200,
    );
    const result = await notify({ kind: "customer_reply", ticket: toOptedIn.ticket, messages: messages.slice(1), settings: team });
    expect(result).toEqual({ sent: [optedIn.agent.email], error: null });
    expect((await loggedFor(ticket.id)).map((row) => [row.kind, row.recipient, row.subject])).toEqual([
      ["customer_reply", optedIn.agent.email, "Cleo Reply replied: And one more thing"],
    ]);
  });

  it("goes on past a recipient the binding refuses, and reports that refusal as not worth retrying", async () => {
    const { ticket, messages } = await chatTicket("Dana Restricted", ["Hi"]);
    const restricted = (env as unknown as { RESTRICTED_EMAIL: SendEmail }).RESTRICTED_EMAIL;
    const result = await notify({ ticket, messages, settings: { ...settings, notifyEmails: ["stranger@elsewhere.test", "allowed@shop.test"] } }, restricted);
    expect(result.sent).toEqual(["allowed@shop.test"]);
    expect(result.error?.retryable).toBe(false);
    expect(result.error?.message).toContain("stranger@elsewhere.test");
    expect((await loggedFor(ticket.id)).map((row) => row.recipient)).toEqual(["allowed@shop.test"]);
  });

  it("stops at a sender the binding refuses, with nothing sent or logged and nothing to retry", async () => {
    const { ticket, messages } = await chatTicket("Eli Sender", ["Hi"]);
    const restricted = (env as unknown as { RESTRICTED_EMAIL: SendEmail }).RESTRICTED_EMAIL;
    const result = await notify(
      { ticket, messages, settings: { ...settings, notifyFrom: "support@unverified.test", notifyEmails: ["allowed@shop.test"] } },
      restricted,
    );
    expect(result.sent).toEqual([]);
    expect(result.error?.retryable).toBe(false);
    expect(result.error?.message).toContain("support@unverified.test");
    expect(await loggedFor(ticket.id)).toEqual([]);
  });
});

describe("the email's content", () => {
  it("names the sender and channel, previews each message, links the ticket and carries RFC 8058 headers", async () => {
    const { ticket, messages } = await chatTicket("Ada Lovelace", ["Where is my order?", `It was order #1042.\n\nThanks! ${"x".repeat(300)}`]);
    const email = await composeNotification({
      kind: "new_ticket",
      ticket,
      messages,
      phone: null,
      from: "notifications@parley.test",
      to: "team@shop.test",
      ticketUrl: `${ORIGIN}/tickets/${ticket.id}`,
      unsubscribeUrl: `${ORIGIN}/api/notifications/unsubscribe?email=team%40shop.test&token=abc`,
    });
    expect(email.from).toEqual({ name: "Parley", email: "notifications@parley.test" });
    expect(email.subject).toBe("New chat from Ada Lovelace: Where is my order?");
    expect(email.text).toContain("Ada Lovelace started a conversation (web chat)");
    expect(email.text).toContain("> Where is my order?");
    expect(email.text).toMatch(/> It was order #1042\. Thanks! x+…\n/);
    expect(email.text).not.toContain("x".repeat(200));
    expect(email.text).toContain(`Open the ticket: ${ORIGIN}/tickets/${ticket.id}`);
    expect(email.html).toContain(`href="${ORIGIN}/tickets/${ticket.id}"`);
    expect(email.headers).toEqual({
      "List-Unsubscribe": `<${ORIGIN}/api/notifications/unsubscribe?email=team%40shop.test&token=abc>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
  });

  it("shows an SMS customer's number, and keeps the subject on one line", async () => {
    const { ticket, messages } = await chatTicket("Line\r\nBcc: evil@x.test", ["Hi"]);
    const common = { kind: "new_ticket" as const, messages, from: "n@parley.test", to: "t@shop.test", ticketUrl: `${ORIGIN}/t`, unsubscribeUrl: `${ORIGIN}/u` };
    const sms = await composeNotification({ ...common, ticket: { ...ticket, channel: "sms", customerName: null }, phone: "+15551234567" });
    expect(sms.subject).toBe("New SMS from +15551234567: Hi");
    expect(sms.text).toContain("+15551234567 started a conversation (SMS)");
    const named = await composeNotification({ ...common, ticket, phone: null });
    expect(named.subject).toBe("New chat from Line Bcc: evil@x.test: Hi");
    const reply = await composeNotification({ ...common, kind: "customer_reply", ticket: { ...ticket, channel: "sms" }, phone: "+15551234567" });
    expect(reply.subject).toBe("Line Bcc: evil@x.test (+15551234567) replied: Hi");
  });

  it("escapes everything a customer wrote in the HTML part", async () => {
    const { ticket, messages } = await chatTicket(`<img src=x onerror=alert(1)>`, [`<script>alert("hi")</script> & "quotes"`]);
    const email = await composeNotification({
      kind: "new_ticket",
      ticket,
      messages,
      phone: null,
      from: "n@parley.test",
      to: "t@shop.test",
      ticketUrl: `${ORIGIN}/t`,
      unsubscribeUrl: `${ORIGIN}/u`,
    });
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<img");
    expect(email.html).toContain("&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;");
    expect(email.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    // The plain-text part is plain text: it says exactly what the customer wrote.
    expect(email.text).toContain(`> <script>alert("hi")</script> & "quotes"`);
  });
});

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

describe("PATCH /api/me", () => {
  it("sets the agent's own reply preference and returns the agent as stored; GET /api/me agrees at once", async () => {
    const { agent, cookie } = await addAgent(admin);
    expect(agent.notifyOnAssignedReply).toBe(false);
    const on = await json(await call("/api/me", { method: "PATCH", cookie, json: { notifyOnAssignedReply: true } }), 200);
    expect(on.agent).toEqual({ ...agent, notifyOnAssignedReply: true });
    expect((await json(await call("/api/me", { cookie }), 200)).agent).toEqual(on.agent);
    const off = await json(await call("/api/me", { method: "PATCH", cookie, json: { notifyOnAssignedReply: false } }), 200);
    expect(off.agent.notifyOnAssignedReply).toBe(false);
    expect((await json(await call("/api/me", { cookie }), 200)).agent.notifyOnAssignedReply).toBe(false);
  });

  it("is what GET /api/me answers at once in the agent's other sessions too (another browser), though they were checked just before", async () => {
    const { agent, cookie } = await addAgent(admin);
    const otherBrowser = await login(agent.email, "agent-password-123");
    expect((await json(await call("/api/me", { cookie: otherBrowser }), 200)).agent.notifyOnAssignedReply).toBe(false);
    await json(await call("/api/me", { method: "PATCH", cookie, json: { notifyOnAssignedReply: true } }), 200);
    expect((await json(await call("/api/me", { cookie: otherBrowser }), 200)).agent.notifyOnAssignedReply).toBe(true);
    await json(await call("/api/me", { method: "PATCH", cookie: otherBrowser, json: { notifyOnAssignedReply: false } }), 200);
    expect((await json(await call("/api/me", { cookie }), 200)).agent.notifyOnAssignedReply).toBe(false);
  });

  it("refuses an unknown field, a non-boolean or an empty body with 400 naming the field, changing nothing; 401 without a session", async () => {
    const { agent, cookie } = await addAgent(admin);
    for (const [body, field] of [
      [{ notifyOnAssignedReply: true, role: "admin" }, /^body: .*role/],
      [{ notifyOnAssignedReply: "yes" }, /^notifyOnAssignedReply:/],
      [{}, /^notifyOnAssignedReply:/],
    ] as const) {
      const error = await expectError(await call("/api/me", { method: "PATCH", cookie, json: body }), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toMatch(field);
    }
    expect((await json(await call("/api/me", { cookie }), 200)).agent).toEqual(agent);
    await expectError(await call("/api/me", { method: "PATCH", json: { notifyOnAssignedReply: true } }), 401, "unauthorized");
  });
});

// These need the ticket object's outbox (durable-objects/Conversation.ts), which calls
// sendTicketNotification at most once per ticket per NOTIFY_EMAIL_INTERVAL_MS (1 s in tests).
describe("from the ticket object", { timeout: 20_000 }, () => {
  const WINDOW_MS = Number(env.NOTIFY_EMAIL_INTERVAL_MS);
  const team = `team-${crypto.randomUUID().slice(0, 8)}@shop.test`;

  beforeAll(async () => {
    await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { notifyEmails: [team] } }), 200);
  });

  it("a new ticket produces one email to the team, and a burst of customer messages no second one", async () => {
    const { ticket } = await chatTicket("Gus Burst", ["Hello", "Are you there?", "I need help", "with my order", "please"]);
    await eventually(async () => expect((await loggedFor(ticket.id)).map((row) => [row.kind, row.recipient])).toEqual([["new_ticket", team]]), 5000);
    const [email] = await loggedFor(ticket.id);
    expect(email!.subject).toBe("New chat from Gus Burst: Hello");
    await sleep(WINDOW_MS * 1.5);
    expect(await loggedFor(ticket.id)).toHaveLength(1);
  });

  it("a customer's reply on a ticket assigned to an opted-in agent produces one email to them, after the window", async () => {
    const assignee = await addAgent(admin);
    await json(await call("/api/me", { method: "PATCH", cookie: assignee.cookie, json: { notifyOnAssignedReply: true } }), 200);
    const { ticket, token } = await chatTicket("Hal Reply", ["First message"]);
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { assigneeId: assignee.agent.id } }), 200);
    const [first] = await eventually(async () => {
      const rows = await loggedFor(ticket.id);
      expect(rows.map((row) => row.kind)).toEqual(["new_ticket"]);
      return rows;
    });

    const socket = await customerSocket(ticket.id, token);
    expect((await sendAndWait(socket, "r1", "Any news?")).type).toBe("ack");
    expect((await sendAndWait(socket, "r2", "Still waiting")).type).toBe("ack");
    socket.close();
    const reply = await eventually(async () => {
      const [row, ...more] = await database
        .select()
        .from(emailLog)
        .where(and(eq(emailLog.ticketId, ticket.id), eq(emailLog.kind, "customer_reply")));
      expect(row).toBeDefined();
      expect(more).toEqual([]);
      return row!;
    }, WINDOW_MS * 5);
    expect(reply.recipient).toBe(assignee.agent.email);
    expect(reply.subject).toBe("Hal Reply replied: Still waiting");
    expect(Date.parse(reply.sentAt) - Date.parse(first!.sentAt)).toBeGreaterThanOrEqual(WINDOW_MS - 50);
    await sleep(WINDOW_MS * 1.5);
    expect(
      await database
        .select()
        .from(emailLog)
        .where(and(eq(emailLog.ticketId, ticket.id), eq(emailLog.kind, "customer_reply"))),
    ).toHaveLength(1);

    // What the customer writes after that email gets the next one, a window later.
    const again = await customerSocket(ticket.id, token);
    expect((await sendAndWait(again, "r3", "Hello? Anyone there?")).type).toBe("ack");
    again.close();
    const next = await eventually(async () => {
      const rows = await database
        .select()
        .from(emailLog)
        .where(and(eq(emailLog.ticketId, ticket.id), eq(emailLog.kind, "customer_reply")));
      expect(rows).toHaveLength(2);
      return rows.find((row) => row.id !== reply.id)!;
    }, WINDOW_MS * 5);
    expect(next.subject).toBe("Hal Reply replied: Hello? Anyone there?");
  });
});
