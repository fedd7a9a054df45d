// The Worker's email() handler (spec v2 "Email continuity", docs/email.md): a shopper's emailed
// answer to a continuity email, sent to the ticket's signed reply address, enters that ticket as
// their message; to a closed ticket, a new one. What cannot be one is dropped without a bounce:
// an address Parley did not sign, mail a machine sent (auto-replies, bounces, lists, our own
// emails coming back), and mail from anyone but the ticket's customer. Only an answer too large
// to take is refused, so that its sender learns it did not arrive.
import { MAX_UPLOAD_BYTES } from "../contract";
import { hasVisibleText } from "../contract/text";
import type { Participant, SendInput } from "../durable-objects/conversation/rpc";
import { db } from "./db/client";
import { openTicket } from "./lib/conversations";
import { sha256Hex } from "./lib/crypto";
import { parseInbound } from "./lib/email/inbound";
import { ticketOfReplyAddress } from "./lib/email/reply-address";
import { stripReply } from "./lib/email/reply-text";
import { normalizeEmail } from "./lib/notify/unsubscribe";
import { getProfile } from "./lib/profiles";
import { inboundBody } from "./lib/sms/inbound";
import { conversationStub } from "./lib/stubs";
import { storeImage } from "./lib/uploads";

/** The most an answer may weigh: a few photos, as many as a message takes. */
export const MAX_INBOUND_EMAIL_BYTES = 25 * 1024 * 1024;
/** Images a message carries at most (the contract's attachments limit). */
const MAX_IMAGES = 10;

/** What became of an email: delivered into a ticket, refused with a bounce, or dropped and why. */
export type InboundOutcome = { delivered: string } | { refused: string } | { dropped: string };

export async function receiveEmail(message: ForwardableEmailMessage, env: Env): Promise<InboundOutcome> {
  const ticketId = await ticketOfReplyAddress(env.IDENTITY_SECRET, message.to);
  if (!ticketId) return { dropped: `${message.to} is no reply address Parley signed` };
  if (message.rawSize > MAX_INBOUND_EMAIL_BYTES) {
    const reason = `Your message is larger than ${MAX_INBOUND_EMAIL_BYTES / 1024 / 1024} MB, so it did not reach us; send fewer or smaller images.`;
    message.setReject(reason);
    return { refused: reason };
  }
  const email = await parseInbound(message.raw, { envelopeFrom: message.from });
  if (email.automatic) return { dropped: `sent by a machine: ${email.automatic}` };

  const database = db(env.DB);
  const record = await conversationStub(env, ticketId).record();
  const profile = record && (await getProfile(database, record.profileId));
  if (!profile) return { dropped: `ticket ${ticketId} or its customer is gone` };
  if (!profile.email || !email.from || normalizeEmail(profile.email) !== email.from) return { dropped: `${email.from} is not the customer of ${ticketId}` };

  const images = email.images.filter((image) => image.bytes.byteLength <= MAX_UPLOAD_BYTES).slice(0, MAX_IMAGES);
  const left = email.images.length - images.length;
  const words = stripReply(email.text);
  // Sent by mistake, or only the quoted email: nothing for the team to read.
  if (!hasVisibleText(words) && images.length === 0) return { dropped: "nothing in it but the quoted email" };
  const owner = `customer:${profile.id}`;
  const stored = await Promise.all(images.map((image) => storeImage(env.UPLOADS, image.bytes, owner)));
  const input: SendInput = {
    // A delivery Email Routing makes again is the same message: stored once.
    clientId: `email:${(await sha256Hex(email.messageId ?? `${email.from} ${email.subject} ${email.text}`)).slice(0, 40)}`,
    body: inboundBody(words, left > 0 ? [`(${left} more image${left === 1 ? "" : "s"} left out: too many or too large)`] : [], images.length),
    attachments: stored.flatMap((image) => (image ? [{ key: image.key }] : [])),
  };
  const customer: Participant = { side: "customer", id: profile.id, name: profile.name };
  let result = await conversationStub(env, ticketId).receiveEmail(customer, input);
  if (!result.ok && result.code === "conversation_closed") {
    const { ticket } = await openTicket(env, database, { id: profile.id, name: profile.name }, "webchat", { limited: false });
    result = await conversationStub(env, ticket.id).receiveEmail(customer, input);
  }
  if (!result.ok) return { dropped: `ticket ${ticketId} refused it: ${result.message}` };
  return { delivered: result.message.id };
}

/** The email() entry point: what was not delivered is logged, for the store's Worker logs. */
export async function handleEmail(message: ForwardableEmailMessage, env: Env): Promise<void> {
  const outcome = await receiveEmail(message, env);
  if (!("delivered" in outcome)) console.info(`email from ${message.from} to ${message.to}:`, outcome);
}
