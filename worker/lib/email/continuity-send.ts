// Sends a shopper the agents' replies they have not seen (spec v2 "Email continuity"), through the
// send_email binding the team's notifications use. The ticket's object decides when and retries
// (durable-objects/conversation/continuity.ts); this decides whether there is anyone to email,
// from whom, and logs what went.
import type { Locale, MessageT, SettingsT } from "../../../contract";
import { CHAT_FRAGMENT } from "../../../contract/chat-link";
import type { Db } from "../../db/client";
import { emailLog } from "../../db/schema";
import { newId, nowIso } from "../ids";
import { DeliveryError } from "../outbound";
import { classifySendError, senderOf } from "../notify/send";
import { unsubscribedAmong, unsubscribeToken, unsubscribeUrl } from "../notify/unsubscribe";
import { getProfile } from "../profiles";
import { composeContinuityEmail } from "./continuity-email";
import { replyAddress } from "./reply-address";

export type ContinuityRequest = {
  ticketId: string;
  profileId: string;
  /** The unseen agent replies, oldest first. */
  replies: MessageT[];
  /** The shopper's language, for the replies' times; null: English. */
  locale: Locale | null;
  /** The Worker's public origin: unsubscribe links, and the chat link when the store gave none. */
  origin: string;
  settings: SettingsT;
};

/** The store page the email's link opens the chat on. */
function chatUrlOf(settings: SettingsT, origin: string): string {
  const url = new URL(settings.emailContinuity.chatUrl ?? settings.allowedOrigins[0] ?? origin);
  url.hash = CHAT_FRAGMENT;
  return url.toString();
}

/**
 * Emails the shopper, if they have an address and did not unsubscribe. `sent`: an email went; an
 * error says whether trying again may help.
 */
export async function sendContinuityEmail(env: Env, database: Db, request: ContinuityRequest): Promise<{ sent: boolean; error: DeliveryError | null }> {
  const { settings, origin } = request;
  let to: string;
  try {
    const profile = await getProfile(database, request.profileId);
    if (!profile?.email || (await unsubscribedAmong(database, [profile.email])).size > 0) return { sent: false, error: null };
    to = profile.email;
  } catch (error) {
    return {
      sent: false,
      error: new DeliveryError(`Could not read the customer's address from D1: ${error instanceof Error ? error.message : String(error)}`, true),
    };
  }
  if (!env.CREDENTIALS_KEY) return { sent: false, error: new DeliveryError("CREDENTIALS_KEY is not set, so emails cannot carry unsubscribe links.", false) };

  const from = senderOf(settings, origin);
  const chatUrl = chatUrlOf(settings, origin);
  const email = await composeContinuityEmail({
    ticketId: request.ticketId,
    replies: request.replies,
    teamName: settings.emailContinuity.teamName ?? `${new URL(chatUrl).hostname} support`,
    from,
    to,
    replyTo: await replyAddress(env.IDENTITY_SECRET, request.ticketId, from.split("@")[1]!),
    chatUrl,
    locale: request.locale ?? "en",
    timeZone: settings.officeHours.timezone,
    accentColor: settings.emailContinuity.color,
  });
  const unsubscribe = unsubscribeUrl(origin, to, await unsubscribeToken(env, to));
  // RFC 8058, as in the team's emails: mail clients offer their own unsubscribe button.
  email.headers["List-Unsubscribe"] = `<${unsubscribe}>`;
  email.headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  try {
    await env.NOTIFY_EMAIL.send(email);
  } catch (error) {
    const { refusal, detail } = classifySendError(error);
    return { sent: false, error: new DeliveryError(`The email of unseen replies to ${to} was not sent: ${detail}`, refusal === "temporary") };
  }
  // Sent: a failure to log it must not send it again.
  await database
    .insert(emailLog)
    .values({ id: newId("eml"), ticketId: request.ticketId, kind: "continuity", recipient: to, subject: email.subject, sentAt: nowIso() })
    .catch((error: unknown) => console.warn(`ticket ${request.ticketId}: the email of unseen replies went, but was not logged`, error));
  return { sent: true, error: null };
}
