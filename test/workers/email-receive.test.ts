// The Worker's email() handler (spec v2 "Email continuity"), called with real MIME messages as
// Email Routing hands them over: a shopper's answer enters their ticket (quoted history and
// signature stripped, images stored like uploads), a closed ticket's answer opens a new one, and
// loops, bounces, auto-replies, spoofed senders, forged addresses and oversized mail never reach a
// ticket.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MessageT, TicketT } from "../../contract";
import worker from "../../worker/index";
import { MAX_INBOUND_EMAIL_BYTES } from "../../worker/inbound-email";
import { replyAddress } from "../../worker/lib/email/reply-address";
import { conversationStub } from "../../worker/lib/stubs";
import { call, customer, customerSocket, json, login, sendAndWait, startChat } from "./helpers";

const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const SHOPPER = "casey@example.com";

type Delivered = ForwardableEmailMessage & { rejected: string | null };

/** An email as Email Routing hands it to the Worker: the envelope, and the raw message. */
function incoming(raw: string, envelope: { from: string; to: string }): Delivered {
  const bytes = new TextEncoder().encode(raw.replace(/\r?\n/g, "\r\n"));
  const message = {
    ...envelope,
    raw: new Response(bytes).body!,
    rawSize: bytes.byteLength,
    headers: new Headers(),
    canBeForwarded: false,
    rejected: null as string | null,
    setReject(reason: string) {
      message.rejected = reason;
    },
    forward: () => Promise.reject(new Error("Parley never forwards")),
    reply: () => Promise.reject(new Error("Parley never replies from the handler")),
  };
  return message as unknown as Delivered;
}

const deliver = (message: Delivered) => worker.email(message, env);

let admin: string;
const messagesOf = async (ticketId: string) =>
  (await json<{ messages: MessageT[] }>(await call(`/api/tickets/${ticketId}/messages`, { cookie: admin }), 200)).messages;
const ticketsOf = async (profileId: string) =>
  (await env.DB.prepare("SELECT id, status FROM tickets WHERE profile_id = ? ORDER BY created_at").bind(profileId).all<{ id: string; status: string }>())
    .results;

/** A shopper's chat the team answered, and the address its continuity email gives for answers. */
async function answeredChat() {
  admin ??= await login();
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const socket = await customerSocket(ticket.id, shopper.token);
  await socket.nextOfType("hello");
  await sendAndWait(socket, crypto.randomUUID(), "Does the scarf come in green?");
  socket.close();
  await json(
    await call(`/api/tickets/${ticket.id}/messages`, { method: "POST", cookie: admin, json: { clientId: crypto.randomUUID(), body: "It does! Size?" } }),
    201,
  );
  return { shopper, ticket, address: await replyAddress(env.IDENTITY_SECRET, ticket.id, "shop.test") };
}

const mime = (headers: Record<string, string>, body: string) =>
  [
    ...Object.entries({
      From: `Casey Customer <${SHOPPER}>`,
      Subject: "Re: New reply from shop.test support",
      Date: "Mon, 7 Dec 2026 10:00:00 +0000",
      "Message-ID": `<${crypto.randomUUID()}@mail.example.com>`,
      "MIME-Version": "1.0",
      ...headers,
    }).map(([name, value]) => `${name}: ${value}`),
    "",
    body,
  ].join("\n");

const plainReply = (to: string, text: string, headers: Record<string, string> = {}) =>
  mime({ To: to, "Content-Type": "text/plain; charset=utf-8", ...headers }, text);

const GMAIL_QUOTE = `

On Mon, Dec 7, 2026 at 10:00 AM shop.test support <support@shop.test> wrote:
> It does! Size?
>
> Reply to this email to answer.`;

describe("a shopper's answer by email", () => {
  it("enters the same ticket as their message, without the quoted history and signature", async () => {
    const { ticket, address } = await answeredChat();
    await deliver(incoming(plainReply(address, `Medium, please!\n\n-- \nCasey${GMAIL_QUOTE}`), { from: SHOPPER, to: address }));
    const last = (await messagesOf(ticket.id)).at(-1)!;
    expect(last).toMatchObject({ author: { kind: "customer" }, body: "Medium, please!", attachments: [] });
  });

  it("reads an HTML-only email as text", async () => {
    const { ticket, address } = await answeredChat();
    const html = `<html><body><div>Large &amp; green, thanks.</div><div><br></div><div class="gmail_quote">On Mon, Dec 7, 2026 wrote:<blockquote>It does! Size?</blockquote></div></body></html>`;
    await deliver(incoming(mime({ To: address, "Content-Type": "text/html; charset=utf-8" }, html), { from: SHOPPER, to: address }));
    expect((await messagesOf(ticket.id)).at(-1)).toMatchObject({ author: { kind: "customer" }, body: "Large & green, thanks." });
  });

  it("stores an image attachment like an upload and attaches it", async () => {
    const { ticket, address } = await answeredChat();
    const raw = mime(
      { To: address, "Content-Type": 'multipart/mixed; boundary="b1"' },
      [
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Here is the hole in the scarf.",
        "--b1",
        'Content-Type: image/png; name="hole.png"',
        'Content-Disposition: attachment; filename="hole.png"',
        "Content-Transfer-Encoding: base64",
        "",
        PNG_BASE64,
        "--b1--",
      ].join("\n"),
    );
    await deliver(incoming(raw, { from: SHOPPER, to: address }));
    const last = (await messagesOf(ticket.id)).at(-1)!;
    expect(last.body).toBe("Here is the hole in the scarf.");
    expect(last.attachments).toEqual([expect.objectContaining({ contentType: "image/png", size: atob(PNG_BASE64).length })]);
    const stored = await env.UPLOADS.get(last.attachments[0]!.key);
    expect(stored?.customMetadata?.owner).toBe(
      `customer:${(await json<{ ticket: TicketT }>(await call(`/api/tickets/${ticket.id}`, { cookie: admin }), 200)).ticket.profileId}`,
    );
    expect((await call(new URL(last.attachments[0]!.url, "http://parley.test").pathname)).status).toBe(200);
  });

  it("opens a new ticket when the old one has closed", async () => {
    const { shopper, ticket, address } = await answeredChat();
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    await deliver(incoming(plainReply(address, "One more question: do you ship to Norway?"), { from: SHOPPER, to: address }));
    const tickets = await ticketsOf(shopper.profileId);
    expect(tickets.map((t) => t.status)).toEqual(["closed", "open"]);
    expect((await messagesOf(tickets[1]!.id)).map((m) => [m.author.kind, m.body])).toEqual([["customer", "One more question: do you ship to Norway?"]]);
    expect((await messagesOf(ticket.id)).at(-1)!.author.kind).toBe("agent");
  });

  it("takes a delivery made again once", async () => {
    const { ticket, address } = await answeredChat();
    const raw = plainReply(address, "Thanks!", { "Message-ID": "<same-one@mail.example.com>" });
    await deliver(incoming(raw, { from: SHOPPER, to: address }));
    await deliver(incoming(raw, { from: SHOPPER, to: address }));
    expect((await messagesOf(ticket.id)).filter((m) => m.body === "Thanks!")).toHaveLength(1);
  });
});

describe("what never reaches a ticket", () => {
  /** Delivers `raw` and checks that the shopper's tickets and messages are as they were. */
  async function expectDropped(build: (chat: Awaited<ReturnType<typeof answeredChat>>) => Delivered) {
    const chat = await answeredChat();
    const before = await messagesOf(chat.ticket.id);
    const message = build(chat);
    await deliver(message);
    expect(await messagesOf(chat.ticket.id)).toEqual(before);
    expect(await ticketsOf(chat.shopper.profileId)).toHaveLength(1);
    return message;
  }

  it("our own email coming back (a forwarding loop)", async () => {
    await expectDropped(({ address, ticket }) =>
      incoming(plainReply(address, "Fwd: New reply", { "X-Parley-Ticket": ticket.id, From: `Casey <${SHOPPER}>` }), { from: SHOPPER, to: address }),
    );
  });

  it("someone who is not the ticket's customer", async () => {
    const message = await expectDropped(({ address }) =>
      incoming(plainReply(address, "I am Casey, honestly", { From: "Mallory <mallory@evil.example>" }), { from: "mallory@evil.example", to: address }),
    );
    expect(message.rejected).toBeNull();
  });

  it("an address Parley did not sign, or signed for another ticket", async () => {
    await expectDropped(({ address }) => {
      const forged = address.replace(/\.([0-9a-f])([0-9a-f]{19})@/, (_, first: string, rest: string) => `.${first === "0" ? "1" : "0"}${rest}@`);
      return incoming(plainReply(forged, "Forged"), { from: SHOPPER, to: forged });
    });
    await expectDropped(() => incoming(plainReply("support@shop.test", "Not a reply address"), { from: SHOPPER, to: "support@shop.test" }));
  });

  it("a bounce", async () => {
    await expectDropped(({ address }) =>
      incoming(
        mime(
          {
            From: "Mail Delivery Subsystem <MAILER-DAEMON@mail.example.com>",
            To: address,
            "Return-Path": "<>",
            "Content-Type": 'multipart/report; report-type=delivery-status; boundary="r"',
          },
          [
            "--r",
            "Content-Type: text/plain",
            "",
            "Delivery to casey@example.com failed.",
            "--r",
            "Content-Type: message/delivery-status",
            "",
            "Status: 5.1.1",
            "--r--",
          ].join("\n"),
        ),
        { from: "", to: address },
      ),
    );
  });

  it("an answer with nothing in it but the quoted email", async () => {
    await expectDropped(({ address }) => incoming(plainReply(address, GMAIL_QUOTE.trimStart()), { from: SHOPPER, to: address }));
  });

  it("an auto-reply, and bulk mail", async () => {
    await expectDropped(({ address }) =>
      incoming(plainReply(address, "I am away until Monday.", { "Auto-Submitted": "auto-replied" }), { from: SHOPPER, to: address }),
    );
    await expectDropped(({ address }) => incoming(plainReply(address, "Our newsletter", { Precedence: "bulk" }), { from: SHOPPER, to: address }));
  });

  it("an oversized message, refused so that the shopper learns it did not arrive", async () => {
    const message = await expectDropped(({ address }) => {
      const image = "A".repeat(MAX_INBOUND_EMAIL_BYTES + 1024);
      const raw = mime(
        { To: address, "Content-Type": 'multipart/mixed; boundary="b"' },
        ["--b", "Content-Type: text/plain", "", "Photos", "--b", "Content-Type: image/png", "Content-Transfer-Encoding: base64", "", image, "--b--"].join("\n"),
      );
      return incoming(raw, { from: SHOPPER, to: address });
    });
    expect(message.rejected).toMatch(/larger than 25 MB/);
  });

  it("an answer from a customer who was erased", async () => {
    const { shopper, ticket, address } = await answeredChat();
    expect((await call(`/api/profiles/${shopper.profileId}`, { method: "DELETE", cookie: admin })).status).toBe(204);
    await deliver(incoming(plainReply(address, "Hello again?"), { from: SHOPPER, to: address }));
    expect(await ticketsOf(shopper.profileId)).toEqual([{ id: ticket.id, status: "closed" }]);
    expect(await conversationStub(env, ticket.id).history(null, 10)).toEqual([]);
  });
});
