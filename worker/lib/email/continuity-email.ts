// The email that carries agents' replies a shopper has not seen in the chat: each reply (who,
// when, what, its images as links), a way back to the chat, and a Reply-To that brings an answer
// by email into the same ticket. Everything an agent wrote is escaped in the HTML part (hono's
// html template escapes every value it is given) and the subject is kept to one line.
import { html } from "hono/html";
import type { MessageT } from "../../../contract";
import { PARLEY_MARKER_HEADER } from "./automatic";
import { shippedLocale } from "../../../contract/locales";
import { continuityTexts } from "./continuity-texts";
import { actionButton, DEFAULT_ACCENT, emailPage, oneLine } from "./layout";

/** One shopper's email, as the send_email binding's object form takes it. */
export type ContinuityEmail = {
  from: { name: string; email: string };
  to: string;
  /** The binding's own field: Cloudflare Email Service refuses a Reply-To header (E_HEADER_USE_API_FIELD). */
  replyTo: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
};

export type ContinuityInput = {
  ticketId: string;
  /** The agents' replies the shopper has not seen, oldest first. */
  replies: MessageT[];
  /** Who the email is from, as the shopper knows the store. */
  teamName: string;
  /** The sender address, one the send_email binding may send from. */
  from: string;
  to: string;
  /** The ticket's reply address (replyAddress). */
  replyTo: string;
  /** Where the shopper goes on with the chat on the store: http(s) only. */
  chatUrl: string;
  /**
   * The shopper's locale (the email's language, English where Parley does not ship it, and the
   * replies' times) and the store's time zone; an invalid one throws a RangeError.
   */
  locale: string;
  timeZone: string;
  /** The widget's accent colour (#rrggbb) for the button; Parley's blue when unset or not a colour. */
  accentColor?: string | null;
};

export async function composeContinuityEmail(input: ContinuityInput): Promise<ContinuityEmail> {
  const { replies, chatUrl } = input;
  if (!/^https?:$/.test(new URL(chatUrl).protocol)) throw new TypeError(`the chat URL must be http(s), not ${chatUrl}`);
  const team = oneLine(input.teamName);
  const accent = /^#[0-9a-f]{6}$/i.test(input.accentColor ?? "") ? input.accentColor! : DEFAULT_ACCENT;
  const time = new Intl.DateTimeFormat(input.locale, { dateStyle: "medium", timeStyle: "short", timeZone: input.timeZone });
  const count = replies.length;
  const t = continuityTexts(input.locale);
  const heading = t.heading(count, team);

  const items = replies.map((reply) => ({
    author: oneLine(reply.author.name ?? "") || team,
    time: time.format(new Date(reply.createdAt)),
    lines: reply.body.replace(/\r\n?/g, "\n").split("\n"),
    images: reply.attachments.map((attachment, index, all) => ({ label: t.image(all.length === 1 ? null : index + 1), url: attachment.url })),
  }));

  const text = [
    `${heading}:`,
    "",
    ...items.flatMap((item) => [`${item.author} (${item.time}):`, ...item.lines, ...item.images.map((image) => `${image.label}: ${image.url}`), ""]),
    `${t.continueChat}: ${chatUrl}`,
    "",
    t.replyHint,
    "",
  ].join("\n");

  const body = await emailPage(
    { heading, lang: shippedLocale(input.locale) ?? "en" },
    html`${items.map(
      (item) =>
        html`<div style="margin: 0 0 12px; padding: 8px 12px; border-left: 3px solid ${accent}; background: #f6f8fa;">
          <p style="margin: 0 0 4px; font-size: 13px; color: #59636e;"><strong>${item.author}</strong> · ${item.time}</p>
          <p style="margin: 0;">${item.lines.map((line, index) => (index === 0 ? line : html`<br />${line}`))}</p>
          ${item.images.map((image) => html`<p style="margin: 4px 0 0;"><a href="${image.url}">${image.label}</a></p>`)}
        </div>`,
    )}`,
    actionButton(chatUrl, t.continueChat, accent),
    html`<p style="font-size: 13px; color: #59636e;"><a href="mailto:${input.replyTo}" style="color: #59636e;">${t.replyHint}</a></p>`,
  );

  return {
    from: { name: team, email: input.from },
    to: input.to,
    replyTo: input.replyTo,
    subject: oneLine(t.subject(count, team)),
    text,
    html: body,
    headers: {
      // Marks the email as ours, so that it coming back in is known as a loop (automatic.ts).
      [PARLEY_MARKER_HEADER]: input.ticketId,
      // RFC 3834: vacation and out-of-office responders must not answer it; Exchange's go by
      // Microsoft's own header.
      "Auto-Submitted": "auto-generated",
      "X-Auto-Response-Suppress": "OOF, AutoReply",
    },
  };
}
