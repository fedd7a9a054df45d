// Inbound emails (worker/lib/email/inbound.ts, automatic.ts): real MIME as mail programs and mail
// servers write it, read into sender, recipients, text and images, and machines told from people.
import { describe, expect, it } from "vitest";
import { isAutomatic } from "../../worker/lib/email/automatic";
import { parseInbound } from "../../worker/lib/email/inbound";
import { stripReply } from "../../worker/lib/email/reply-text";

const REPLY_TO = "reply+tkt_0123456789abcdef0123456789abcdef.0011223344556677aabb@mail.shop.test";
/** A 1×1 PNG. */
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const PNG = Uint8Array.from(atob(PNG_BASE64), (char) => char.charCodeAt(0));

/** An email as it arrives: CRLF line ends, headers, a blank line, the body. */
const mime = (headers: string[], body: string[]) => [...headers, "", ...body].join("\r\n");

const COMMON = [
  'From: "Ada Lovelace" <Ada.Lovelace@Example.COM>',
  `To: Parley Support <${REPLY_TO}>, undisclosed: ;`,
  "Subject: =?UTF-8?Q?Re:_Fr=C3=A5ga_om_order?=",
  "Date: Tue, 4 Mar 2025 10:30:00 +0100",
  "Message-ID: <CAF1a2b3c4@mail.gmail.com>",
  "MIME-Version: 1.0",
];

const PLAIN = mime(
  [...COMMON, "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: quoted-printable"],
  ["Hej! Jag bor i Bor=C3=A5s.", "", `On Tue, Mar 4, 2025 at 9:12 AM Parley Support <${REPLY_TO}> wrote:`, "", "> Hi Ada"],
);

const HTML_ONLY = mime(
  [...COMMON, "Content-Type: text/html; charset=UTF-8"],
  [
    '<html><head><style>div { color: red }</style></head><body><div dir="ltr">Size M, please&nbsp;&amp; thanks!<br>Ada</div><br>',
    `<div class="gmail_quote"><div class="gmail_attr">On Tue, Mar 4, 2025 at 9:12 AM Parley Support &lt;${REPLY_TO}&gt; wrote:<br></div>`,
    "<blockquote><div>Would size M work?</div></blockquote></div></body></html>",
  ],
);

const ALTERNATIVE = mime(
  [...COMMON, 'Content-Type: multipart/alternative; boundary="alt"'],
  [
    "--alt",
    "Content-Type: text/plain; charset=UTF-8",
    "",
    "The plain part.",
    "--alt",
    "Content-Type: text/html; charset=UTF-8",
    "",
    "<div>The <b>HTML</b> part.</div>",
    "--alt--",
  ],
);

const WITH_IMAGES = mime(
  [...COMMON, 'Content-Type: multipart/mixed; boundary="mixed"'],
  [
    "--mixed",
    'Content-Type: multipart/related; boundary="rel"',
    "",
    "--rel",
    "Content-Type: text/html; charset=UTF-8",
    "",
    '<div>Here is the damage: <img src="cid:inline1"></div>',
    "--rel",
    'Content-Type: image/png; name="inline.png"',
    "Content-Transfer-Encoding: base64",
    "Content-ID: <inline1>",
    'Content-Disposition: inline; filename="inline.png"',
    "",
    PNG_BASE64,
    "--rel--",
    "--mixed",
    'Content-Type: image/png; name="photo.png"',
    "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="photo.png"',
    "",
    PNG_BASE64,
    "--mixed",
    'Content-Type: image/svg+xml; name="logo.svg"',
    'Content-Disposition: attachment; filename="logo.svg"',
    "",
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "--mixed",
    'Content-Type: application/pdf; name="receipt.pdf"',
    "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="receipt.pdf"',
    "",
    btoa("%PDF-1.4 not really"),
    "--mixed--",
  ],
);

const BOUNCE = mime(
  [
    "Return-Path: <>",
    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>",
    `To: ${REPLY_TO}`,
    "Subject: Delivery Status Notification (Failure)",
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
  ],
  [
    "--dsn",
    "Content-Type: text/plain",
    "",
    "Your message to ada@example.com could not be delivered.",
    "--dsn",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.com",
    "",
    "Final-Recipient: rfc822; ada@example.com",
    "Action: failed",
    "Status: 5.1.1",
    "--dsn--",
  ],
);

/** A plain reply with these extra headers. */
const withHeaders = (...headers: string[]) => mime([...COMMON, ...headers, "Content-Type: text/plain; charset=UTF-8"], ["Thanks!"]);

describe("parseInbound", () => {
  it("reads a plain-text reply: sender and recipients lowercased, subject decoded, text as written", async () => {
    expect(await parseInbound(PLAIN)).toEqual({
      from: "ada.lovelace@example.com",
      to: [REPLY_TO],
      subject: "Re: Fråga om order",
      messageId: "<CAF1a2b3c4@mail.gmail.com>",
      text: `Hej! Jag bor i Borås.\n\nOn Tue, Mar 4, 2025 at 9:12 AM Parley Support <${REPLY_TO}> wrote:\n\n> Hi Ada\n`,
      images: [],
      automatic: null,
    });
  });

  it("reads the same from a stream and from bytes", async () => {
    const fromStream = await parseInbound(new Response(PLAIN).body!);
    const fromBuffer = await parseInbound(await new Response(PLAIN).arrayBuffer());
    expect(fromStream).toEqual(await parseInbound(PLAIN));
    expect(fromBuffer).toEqual(fromStream);
  });

  it("reads bytes that are no email as an email from no one, with nothing in it", async () => {
    for (const raw of ["garbage", "", "\u0000\u0001", new ArrayBuffer(0)])
      expect(await parseInbound(raw)).toEqual({ from: null, to: [], subject: "", messageId: null, text: "", images: [], automatic: null });
  });

  it("makes the text of an HTML-only email from its HTML, quote as quote, so the history strips as in text", async () => {
    const email = await parseInbound(HTML_ONLY);
    expect(email.text).toBe(`Size M, please & thanks!\nAda\n\nOn Tue, Mar 4, 2025 at 9:12 AM Parley Support <${REPLY_TO}> wrote:\n> Would size M work?`);
    expect(stripReply(email.text)).toBe("Size M, please & thanks!\nAda");
  });

  it("takes the text part of a multipart/alternative email, not its HTML", async () => {
    expect((await parseInbound(ALTERNATIVE)).text).toBe("The plain part.\n");
  });

  it("keeps the images, inline and attached, typed by their bytes, and no other file", async () => {
    const email = await parseInbound(WITH_IMAGES);
    expect(email.text).toBe("Here is the damage:");
    expect(email.images).toEqual([
      { bytes: PNG, contentType: "image/png", filename: "inline.png" },
      { bytes: PNG, contentType: "image/png", filename: "photo.png" },
    ]);
  });

  it("says why a bounce, an auto-reply, a bulk mail and one of Parley's own are automatic", async () => {
    expect((await parseInbound(BOUNCE)).automatic).toBe("Auto-Submitted: auto-replied");
    expect((await parseInbound(withHeaders("Auto-Submitted: auto-replied; owner-email=ada@example.com"))).automatic).toBe("Auto-Submitted: auto-replied");
    expect((await parseInbound(withHeaders("Precedence: bulk"))).automatic).toBe("Precedence: bulk");
    expect((await parseInbound(withHeaders("Return-Path: <>"))).automatic).toBe("Return-Path: <>");
    expect((await parseInbound(withHeaders("X-Parley-Ticket: tkt_0123456789abcdef0123456789abcdef"))).automatic).toBe("loop: X-Parley-Ticket");
    expect((await parseInbound(PLAIN, { envelopeFrom: "" })).automatic).toBe("null envelope sender");
    expect((await parseInbound(PLAIN, { envelopeFrom: "ada.lovelace@example.com" })).automatic).toBeNull();
  });
});

describe("isAutomatic", () => {
  const PERSON = { From: "Ada <ada@example.com>", "Content-Type": "text/plain; charset=UTF-8" };
  const CASES: Array<[headers: Record<string, string>, reason: string | null]> = [
    [{}, null],
    [{ "Auto-Submitted": "no" }, null],
    [{ "Auto-Submitted": "No; note=person" }, null],
    [{ "Auto-Submitted": "" }, null],
    [{ "Auto-Submitted": "auto-generated" }, "Auto-Submitted: auto-generated"],
    [{ "Auto-Submitted": "Auto-Notified" }, "Auto-Submitted: auto-notified"],
    [{ Precedence: "list" }, "Precedence: list"],
    [{ Precedence: "JUNK" }, "Precedence: junk"],
    [{ Precedence: "auto_reply" }, "Precedence: auto_reply"],
    [{ Precedence: "first-class" }, null],
    [{ "Return-Path": "< >" }, "Return-Path: <>"],
    [{ "Return-Path": "<bounces@shop.test>" }, null],
    [{ "X-Autoreply": "yes" }, "X-Autoreply"],
    [{ "X-Autorespond": "Out of office" }, "X-Autorespond"],
    [{ "X-Auto-Response-Suppress": "All" }, "X-Auto-Response-Suppress: All"],
    [{ "X-Auto-Response-Suppress": "DR, AutoReply" }, "X-Auto-Response-Suppress: DR, AutoReply"],
    [{ "X-Auto-Response-Suppress": "RN, NRN" }, null],
    [{ "X-Auto-Response-Suppress": "OOF" }, null],
    [{ "List-Id": "Shop news <news.shop.test>" }, "List-Id"],
    [{ "List-Unsubscribe": "<https://news.test/u>" }, "List-Unsubscribe"],
    [{ From: "Mail Delivery System <MAILER-DAEMON@mx.example.com>" }, "From: MAILER-DAEMON@mx.example.com"],
    [{ From: "postmaster@example.com" }, "From: postmaster@example.com"],
    [{ From: "Postmaster General <ada.postmaster@example.com>" }, null],
    [{ "Content-Type": "multipart/report; report-type=delivery-status; boundary=x" }, "Content-Type: multipart/report"],
    [{ "Content-Type": "multipart/mixed; boundary=report" }, null],
    [{ "X-Parley-Ticket": "tkt_1", "Auto-Submitted": "auto-generated" }, "loop: X-Parley-Ticket"],
  ];
  for (const [headers, reason] of CASES)
    it(`${JSON.stringify(headers)} → ${reason}`, () => expect(isAutomatic(new Headers({ ...PERSON, ...headers }))).toBe(reason));

  it("takes an empty or <> envelope sender for the null reverse-path; no envelope sender says nothing", () => {
    const person = new Headers(PERSON);
    expect(isAutomatic(person, "")).toBe("null envelope sender");
    expect(isAutomatic(person, "<>")).toBe("null envelope sender");
    expect(isAutomatic(person, "ada@example.com")).toBeNull();
    expect(isAutomatic(person)).toBeNull();
  });
});
