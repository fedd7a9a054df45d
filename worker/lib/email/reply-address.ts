// The per-ticket address a continuity email's replies go to: `reply+<ticketId>.<sig>@<domain>`.
// Only the Worker can make one: sig is an HMAC of the ticket id, so a forged or guessed address
// names no ticket. Everything in it is lowercase letters, digits, `_`, `+` and `.`, because mail
// systems may change the case of a local part on the way back (RFC 5321 lets them treat it as
// case-insensitive) and some lowercase addresses outright.
import { constantTimeEqual, hmacHex } from "../crypto";

/** 20 hex digits: 80 bits, which keeps the longest local part at 63 of the 64 characters RFC 5321 allows. */
const SIGNATURE_CHARS = 20;
const LOCAL_PART_MAX = 64;
/** What newId's ids are made of (a prefix, `_`, lowercase hex): atext in RFC 5322, so fine unquoted. */
const TICKET_ID = /^[a-z0-9_]+$/;
const ADDRESS = new RegExp(`^reply\\+([a-z0-9_]+)\\.([0-9a-f]{${SIGNATURE_CHARS}})@[a-z0-9.-]+$`);

/**
 * A key of its own, derived from the identity secret as widget tokens derive theirs: the identity
 * secret itself signs shoppers' ids (userHash), so an id a store signs could otherwise double as
 * a reply address's signature.
 */
const signingKey = (secret: string) => hmacHex(secret, "parley email reply address key v1");

const signatureOf = async (secret: string, ticketId: string) => (await hmacHex(await signingKey(secret), ticketId)).slice(0, SIGNATURE_CHARS);

/** The reply address of a ticket; throws for an id that could not stand in a local part unchanged. */
export async function replyAddress(secret: string, ticketId: string, domain: string): Promise<string> {
  if (!TICKET_ID.test(ticketId)) throw new TypeError(`ticket id ${JSON.stringify(ticketId)} has characters a reply address cannot carry`);
  const local = `reply+${ticketId}.${await signatureOf(secret, ticketId)}`;
  if (local.length > LOCAL_PART_MAX) throw new TypeError(`ticket id ${ticketId} is too long for a reply address`);
  return `${local}@${domain.toLowerCase()}`;
}

/**
 * The ticket a reply address was made for, or null when the address is not one of ours: malformed,
 * another local part, or a signature this secret did not make. Case is ignored. The domain is not
 * checked: which domains reach the Worker is Email Routing's business.
 */
export async function ticketOfReplyAddress(secret: string, address: string): Promise<string | null> {
  const match = ADDRESS.exec(address.trim().toLowerCase());
  if (!match) return null;
  const ticketId = match[1]!;
  return constantTimeEqual(await signatureOf(secret, ticketId), match[2]!) ? ticketId : null;
}
