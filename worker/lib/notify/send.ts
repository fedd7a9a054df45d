// Team notification emails through the send_email binding (Cloudflare Email Service when deployed;
// locally wrangler writes each one under .wrangler/tmp/email/). The ticket's object decides when
// (at most one per ticket per NOTIFY_EMAIL_INTERVAL_MS) and retries; this decides to whom and what.
import { eq } from "drizzle-orm";
import type { MessageT, SettingsT, TicketT } from "../../../contract";
import type { Db } from "../../db/client";
import { agents, emailLog } from "../../db/schema";
import { newId, nowIso } from "../ids";
import { DeliveryError } from "../outbound";
import { composeNotification, type NotificationKind } from "./compose";
import { normalizeEmail, unsubscribedAmong, unsubscribeToken, unsubscribeUrl } from "./unsubscribe";

export type TicketNotification = {
  kind: NotificationKind;
  /** The ticket as its object sees it now. */
  ticket: TicketT;
  /** The customer messages this email is about, oldest first (at most 5). */
  messages: MessageT[];
  /** An SMS ticket's number, which names the sender when the profile has no name. */
  phone: string | null;
  /** The Worker's public origin (https://…), for the links. */
  origin: string;
  settings: SettingsT;
  /** Recipients an earlier attempt of the same job already emailed. */
  alreadySent: string[];
};

/** Codes (Cloudflare Email Service) and messages (wrangler's local binding) that refuse one recipient. */
const RECIPIENT_REFUSED = new Set(["E_RECIPIENT_NOT_ALLOWED", "E_RECIPIENT_SUPPRESSED"]);
/** Refusals that no later attempt can change: the sender, the domain or the message itself. */
const PERMANENT = /^E_(SENDER_NOT_VERIFIED|SENDER_DOMAIN_NOT_AVAILABLE|VALIDATION_ERROR|FIELD_MISSING|TOO_MANY_RECIPIENTS|CONTENT_TOO_LARGE|HEADERS?_[A-Z_]+)$/;

type Refusal = "recipient" | "permanent" | "temporary";

/** How the email service refused a send: one recipient, for good, or for now. */
export function classifySendError(error: unknown): { refusal: Refusal; detail: string } {
  const code = typeof error === "object" && error && "code" in error && typeof error.code === "string" ? error.code : null;
  const message = error instanceof Error ? error.message : String(error);
  const detail = code ? `${code}: ${message}` : message;
  if ((code && RECIPIENT_REFUSED.has(code)) || /^email to \S+ not allowed$/.test(message)) return { refusal: "recipient", detail };
  if ((code && PERMANENT.test(code)) || /^email from \S+ not allowed$/.test(message)) return { refusal: "permanent", detail };
  return { refusal: "temporary", detail };
}

/** Who this kind of email goes to before unsubscribes: the team list, or an opted-in assignee. */
async function intendedRecipients(database: Db, kind: NotificationKind, ticket: TicketT, settings: SettingsT): Promise<string[]> {
  if (kind === "new_ticket") return settings.notifyEmails;
  if (!ticket.assigneeId) return [];
  const assignee = await database
    .select({ email: agents.email, optedIn: agents.notifyOnAssignedReply })
    .from(agents)
    .where(eq(agents.id, ticket.assigneeId))
    .get();
  return assignee?.optedIn ? [assignee.email] : [];
}

export const senderOf = (settings: SettingsT, origin: string) => settings.notifyFrom ?? `notifications@${new URL(origin).hostname}`;

/**
 * Emails each recipient of this notification once, each with their own unsubscribe link, and logs
 * every email in email_log. Returns the addresses (lowercased) this call emailed, and why it
 * stopped short if it did: a retryable error means "try again later with alreadySent grown by
 * `sent`"; a recipient the service refuses is skipped (the others still get theirs) and reported
 * as a non-retryable error at the end.
 */
export async function sendTicketNotification(env: Env, database: Db, input: TicketNotification): Promise<{ sent: string[]; error: DeliveryError | null }> {
  const { kind, ticket, messages, phone, origin, settings } = input;
  const sent: string[] = [];
  if (!env.CREDENTIALS_KEY)
    return {
      sent,
      error: new DeliveryError("CREDENTIALS_KEY is not set, so emails cannot carry unsubscribe links: run `wrangler secret put CREDENTIALS_KEY`.", false),
    };

  let recipients: string[];
  try {
    const already = new Set(input.alreadySent.map(normalizeEmail));
    const intended = [...new Set((await intendedRecipients(database, kind, ticket, settings)).map(normalizeEmail))].filter((email) => !already.has(email));
    const unsubscribed = await unsubscribedAmong(database, intended);
    recipients = intended.filter((email) => !unsubscribed.has(email));
  } catch (error) {
    return {
      sent,
      error: new DeliveryError(`Could not read the notification's recipients from D1: ${error instanceof Error ? error.message : String(error)}`, true),
    };
  }

  const from = senderOf(settings, origin);
  const ticketUrl = new URL(`/tickets/${encodeURIComponent(ticket.id)}`, origin).toString();
  const refused: string[] = [];
  for (const recipient of recipients) {
    const link = unsubscribeUrl(origin, recipient, await unsubscribeToken(env, recipient));
    const email = await composeNotification({ kind, ticket, messages, phone, from, to: recipient, ticketUrl, unsubscribeUrl: link });
    try {
      await env.NOTIFY_EMAIL.send(email);
    } catch (error) {
      const { refusal, detail } = classifySendError(error);
      if (refusal === "recipient") {
        refused.push(`${recipient} (${detail})`);
        continue;
      }
      return { sent, error: new DeliveryError(`The email to ${recipient} from ${from} was not sent: ${detail}`, refusal === "temporary") };
    }
    sent.push(recipient);
    try {
      await database.insert(emailLog).values({ id: newId("eml"), ticketId: ticket.id, kind, recipient, subject: email.subject, sentAt: nowIso() });
    } catch (error) {
      // Sent, so it is in `sent` and never sent twice; the rest wait for D1.
      return {
        sent,
        error: new DeliveryError(`The email to ${recipient} was sent but could not be logged: ${error instanceof Error ? error.message : String(error)}`, true),
      };
    }
  }
  return { sent, error: refused.length ? new DeliveryError(`The email service refused ${refused.join(", ")}.`, false) : null };
}
