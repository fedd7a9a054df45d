// The continuity email to a shopper (worker/lib/email/continuity-email.ts): what it says, that the
// agents' words are escaped, that the send_email binding takes it and Cloudflare's header rules
// allow it, and that it coming back in is a loop while a shopper's answer to it strips clean.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MessageT } from "../../contract";
import { composeContinuityEmail, type ContinuityInput } from "../../worker/lib/email/continuity-email";
import { parseInbound } from "../../worker/lib/email/inbound";
import { stripReply } from "../../worker/lib/email/reply-text";

const TICKET = "tkt_0123456789abcdef0123456789abcdef";
const REPLY_TO = `reply+${TICKET}.0011223344556677aabb@mail.shop.test`;

const reply = (seq: number, name: string | null, body: string, createdAt: string, images: string[] = []): MessageT => ({
  seq,
  id: `msg_${seq}`,
  clientId: null,
  author: { kind: "agent", id: "agt_1", name },
  body,
  attachments: images.map((key) => ({ key, url: `https://parley.shop.test/api/uploads/${key}`, contentType: "image/png", size: 68 })),
  createdAt,
});

const INPUT: ContinuityInput = {
  ticketId: TICKET,
  replies: [
    reply(3, "Kim", "Hi Ada,\nWould size M work?", "2025-03-04T08:12:00.000Z"),
    reply(4, null, 'Here it is <script>alert("x")</script> & more', "2025-03-04T08:13:30.000Z", ["a".repeat(32), "b".repeat(32)]),
  ],
  teamName: "Borås\nShop",
  from: "support@shop.test",
  to: "ada@example.com",
  replyTo: REPLY_TO,
  chatUrl: "https://shop.test/?parley=open",
  locale: "sv",
  timeZone: "Europe/Stockholm",
  accentColor: "#AA3366",
};

/** Cloudflare Email Service's allowlisted (non-X-) headers that a continuity email may use. */
const ALLOWED_HEADERS = new Set(["auto-submitted", "in-reply-to", "references"]);

describe("composeContinuityEmail", () => {
  it("lists each unseen reply with its author, local time and images, then the way back, in text", async () => {
    const email = await composeContinuityEmail(INPUT);
    expect({ ...email, text: undefined, html: undefined }).toEqual({
      from: { name: "Borås Shop", email: "support@shop.test" },
      to: "ada@example.com",
      replyTo: REPLY_TO,
      subject: "2 nya svar från Borås Shop",
      text: undefined,
      html: undefined,
      headers: { "X-Parley-Ticket": TICKET, "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "OOF, AutoReply" },
    });
    expect(email.text).toBe(
      [
        "Du har fått 2 nya svar från Borås Shop:",
        "",
        "Kim (4 mars 2025 09:12):",
        "Hi Ada,",
        "Would size M work?",
        "",
        "Borås Shop (4 mars 2025 09:13):",
        'Here it is <script>alert("x")</script> & more',
        `Bild 1: https://parley.shop.test/api/uploads/${"a".repeat(32)}`,
        `Bild 2: https://parley.shop.test/api/uploads/${"b".repeat(32)}`,
        "",
        "Fortsätt chatten: https://shop.test/?parley=open",
        "",
        "Svara på det här mejlet för att svara oss.",
        "",
      ].join("\n"),
    );
  });

  it("escapes what agents wrote in the HTML, keeps their line breaks, links the images and the chat in the accent colour", async () => {
    const { html } = await composeContinuityEmail(INPUT);
    expect(html).not.toContain("<script>");
    expect(html).toContain("Here it is &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more");
    expect(html).toContain("Hi Ada,<br />Would size M work?");
    expect(html).toContain('<html lang="sv">');
    expect(html).toContain(`<a href="https://parley.shop.test/api/uploads/${"b".repeat(32)}">Bild 2</a>`);
    expect(html).toContain('href="https://shop.test/?parley=open"');
    expect(html).toContain("background: #AA3366;");
    expect(html).toContain("<strong>Kim</strong> · 4 mars 2025 09:12");
    expect(html).toContain(`<a href="mailto:${REPLY_TO}" style="color: #59636e;">Svara på det här mejlet för att svara oss.</a>`);
    expect(html).toContain(">Fortsätt chatten</a");
  });

  it("says 'New reply' for one, names the team for an unnamed agent, and falls back to Parley's blue for a non-colour", async () => {
    const email = await composeContinuityEmail({
      ...INPUT,
      replies: [reply(5, " ", "One more thing", "2025-03-04T20:00:00.000Z", ["c".repeat(32)])],
      locale: "en-GB",
      timeZone: "UTC",
      accentColor: "red; background: url(https://evil.test/)",
    });
    expect(email.subject).toBe("New reply from Borås Shop");
    expect(email.text).toBe(
      [
        "You have a new reply from Borås Shop:",
        "",
        "Borås Shop (4 Mar 2025, 20:00):",
        "One more thing",
        `Image: https://parley.shop.test/api/uploads/${"c".repeat(32)}`,
        "",
        "Continue the chat: https://shop.test/?parley=open",
        "",
        "Reply to this email to answer.",
        "",
      ].join("\n"),
    );
    expect(email.html).toContain("background: #1f6feb;");
    expect(email.html).not.toContain("evil.test");
  });

  it("speaks each language the widget speaks, one reply or several, and English for any other", async () => {
    const subjects = async (locale: string) =>
      Promise.all(
        [1, 3].map(
          async (count) =>
            (await composeContinuityEmail({ ...INPUT, locale, replies: INPUT.replies.slice(0, 1).concat(Array(count - 1).fill(INPUT.replies[1])) })).subject,
        ),
      );
    expect(
      Object.fromEntries(
        await Promise.all(["en", "sv", "da", "nb", "fi", "de", "fr", "es", "nl", "pt-BR"].map(async (locale) => [locale, await subjects(locale)])),
      ),
    ).toEqual({
      en: ["New reply from Borås Shop", "3 new replies from Borås Shop"],
      sv: ["Nytt svar från Borås Shop", "3 nya svar från Borås Shop"],
      da: ["Nyt svar fra Borås Shop", "3 nye svar fra Borås Shop"],
      nb: ["Nytt svar fra Borås Shop", "3 nye svar fra Borås Shop"],
      fi: ["Uusi vastaus – Borås Shop", "3 uutta vastausta – Borås Shop"],
      de: ["Neue Antwort von Borås Shop", "3 neue Antworten von Borås Shop"],
      fr: ["Nouvelle réponse de Borås Shop", "3 nouvelles réponses de Borås Shop"],
      es: ["Nueva respuesta de Borås Shop", "3 respuestas nuevas de Borås Shop"],
      nl: ["Nieuw antwoord van Borås Shop", "3 nieuwe antwoorden van Borås Shop"],
      "pt-BR": ["New reply from Borås Shop", "3 new replies from Borås Shop"],
    });
    const german = await composeContinuityEmail({ ...INPUT, locale: "de-AT" });
    expect(german.text.split("\n")[0]).toBe("Sie haben 2 neue Antworten von Borås Shop:");
    expect(german.html).toContain('<html lang="de">');
  });

  it("refuses a chat URL that is not http(s), and a locale or time zone that is none", async () => {
    await expect(composeContinuityEmail({ ...INPUT, chatUrl: "javascript:alert(1)" })).rejects.toThrow(TypeError);
    await expect(composeContinuityEmail({ ...INPUT, timeZone: "Mars/Olympus" })).rejects.toThrow(RangeError);
    await expect(composeContinuityEmail({ ...INPUT, locale: "not a locale!" })).rejects.toThrow(RangeError);
  });

  it("uses only headers Cloudflare Email Service accepts, with Reply-To as the replyTo field", async () => {
    const { headers } = await composeContinuityEmail(INPUT);
    for (const [name, value] of Object.entries(headers)) {
      expect(name.toLowerCase().startsWith("x-") ? /^X-[A-Za-z0-9_-]+$/.test(name) : ALLOWED_HEADERS.has(name.toLowerCase()), name).toBe(true);
      expect(value, name).not.toBe("");
      expect(value, name).not.toMatch(/[\r\n]/);
      expect(new TextEncoder().encode(value).byteLength, name).toBeLessThanOrEqual(2048);
    }
  });

  it("is accepted by the send_email binding's object form", async () => {
    const sent = await env.NOTIFY_EMAIL.send(await composeContinuityEmail(INPUT));
    expect(sent.messageId).toEqual(expect.any(String));
  });

  it("comes back in as a loop when forwarded; a shopper's Gmail answer to it strips to the answer", async () => {
    const email = await composeContinuityEmail(INPUT);
    const forwarded = [
      `From: ${email.from.email}`,
      `To: ${REPLY_TO}`,
      `Subject: ${email.subject}`,
      ...Object.entries(email.headers).map(([name, value]) => `${name}: ${value}`),
      "Content-Type: text/plain; charset=UTF-8",
      "",
      email.text,
    ].join("\r\n");
    expect((await parseInbound(forwarded)).automatic).toBe("loop: X-Parley-Ticket");

    const quoted = email.text.split("\n").map((line) => (line ? `> ${line}` : ">"));
    const answer = ["Size M, tack!", "", "Den tis 4 mars 2025 kl 09:14 skrev Borås Shop <", `${REPLY_TO}>:`, "", ...quoted].join("\n");
    expect(stripReply(answer)).toBe("Size M, tack!");
  });
});
