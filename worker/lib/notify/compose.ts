// What a team notification email says: who wrote, on which channel, what they wrote (a preview of
// each message) and where to answer. Everything a customer wrote is escaped in the HTML part
// (hono's html template escapes every value it is given) and kept to one line in the subject.
import { html } from "hono/html";
import type { MessageT, TicketT } from "../../../contract";
import { formatPhone } from "../../../contract/phone";
import { previewOf } from "../../../contract/text";
import { actionButton, emailPage, oneLine } from "../email/layout";

export type NotificationKind = "new_ticket" | "customer_reply";

/** One recipient's email, as the send_email binding takes it. */
export type NotificationEmail = {
  from: { name: string; email: string };
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
};

const CHANNEL_NAMES: Record<TicketT["channel"], string> = { webchat: "web chat", sms: "SMS" };

const WHY: Record<NotificationKind, string> = {
  new_ticket: "You get this email because your address is on Parley's list for new tickets.",
  customer_reply: "You get this email because you asked Parley to tell you when a customer writes in a ticket assigned to you.",
};

/** The customer as the team knows them: their name, and for SMS their number. */
export function senderLabel(ticket: TicketT, phone: string | null): string {
  const name = ticket.customerName ? oneLine(ticket.customerName) : "";
  // An SMS ticket from a number nobody named is called by that number: it is said once.
  if (ticket.channel === "sms" && phone) return name && name !== formatPhone(phone) ? `${name} (${phone})` : name || phone;
  return name || "A customer";
}

function messagePreview(message: MessageT): string {
  const images = message.attachments.length;
  const imageNote = images === 0 ? "" : images === 1 ? "[1 image]" : `[${images} images]`;
  return [previewOf(message.body), imageNote].filter(Boolean).join(" ");
}

function subjectOf(kind: NotificationKind, ticket: TicketT, sender: string, messages: MessageT[]): string {
  // A new ticket is known by how it opened; a reply by what the customer says now.
  const about = kind === "new_ticket" ? messages[0] : messages[messages.length - 1];
  const preview = about ? `: ${messagePreview(about)}` : "";
  return oneLine(kind === "customer_reply" ? `${sender} replied${preview}` : `New ${ticket.channel === "sms" ? "SMS" : "chat"} from ${sender}${preview}`);
}

export async function composeNotification(input: {
  kind: NotificationKind;
  ticket: TicketT;
  messages: MessageT[];
  /** The customer's number, for SMS tickets. */
  phone: string | null;
  from: string;
  to: string;
  ticketUrl: string;
  unsubscribeUrl: string;
}): Promise<NotificationEmail> {
  const { kind, ticket, messages, ticketUrl, unsubscribeUrl } = input;
  const sender = senderLabel(ticket, input.phone);
  const channel = CHANNEL_NAMES[ticket.channel];
  const heading = kind === "new_ticket" ? `${sender} started a conversation (${channel})` : `${sender} wrote again (${channel})`;
  const previews = messages.map(messagePreview);

  const text = [
    heading,
    "",
    ...previews.map((preview) => `> ${preview}`),
    "",
    `Open the ticket: ${ticketUrl}`,
    "",
    "--",
    WHY[kind],
    `Unsubscribe: ${unsubscribeUrl}`,
    "",
  ].join("\n");

  const body = await emailPage(
    // The team's own emails are in English, as the inbox is.
    { heading, lang: "en" },
    html`${previews.map((preview) => html`<blockquote style="margin: 0 0 8px; padding: 8px 12px; border-left: 3px solid #d0d7de; background: #f6f8fa;">${preview}</blockquote>`)}`,
    actionButton(ticketUrl, "Open the ticket"),
    html`<p style="font-size: 12px; color: #59636e; margin-top: 24px;">${WHY[kind]} <a href="${unsubscribeUrl}" style="color: #59636e;">Unsubscribe</a></p>`,
  );

  return {
    from: { name: "Parley", email: input.from },
    to: input.to,
    subject: subjectOf(kind, ticket, sender, messages),
    text,
    html: body,
    // RFC 8058: mail clients show their own unsubscribe button and POST to the link, no page involved.
    headers: { "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
  };
}
