// Team notification emails: who gets one (sent through the real send_email binding in workerd,
// and its refusals through a restricted one), and what it says.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { composeNotification } from "../../worker/lib/notify/compose";
import { unsubscribeToken } from "../../worker/lib/notify/unsubscribe";
import { addAgent, call, json } from "./helpers";
import { admin, chatTicket, loggedFor, notify, ORIGIN, settings, useNotificationsAdmin } from "./notifications-fixtures";

useNotificationsAdmin();

// RESTRICTED_EMAIL's refusals print "uncaught exception ... not allowed" although send.ts catches
// them: the binding is miniflare's SendEmailBinding entrypoint, its send() rejects over RPC, and
// workerd logs every rejected promise an RPC method returns, in the callee.
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
