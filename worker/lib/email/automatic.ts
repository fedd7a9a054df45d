// Whether an inbound email was sent by a machine: an out-of-office reply, a bounce, a list or
// newsletter, or one of Parley's own emails coming back. None of these may become a customer
// message: answering them would start a mail loop, and a bounce is no customer. Each rule reads a
// header whose meaning is settled (an RFC, or a de facto convention of the big mail systems), so a
// person's reply is never dropped on a guess from its subject or wording.

/**
 * Set on every continuity email Parley sends. An inbound email that carries it is one of ours
 * forwarded or echoed back (an auto-forward rule, a helpdesk that copies headers), never a reply a
 * person wrote: mail clients do not copy custom headers into replies.
 */
export const PARLEY_MARKER_HEADER = "X-Parley-Ticket";

/** Headers.get's shape, which Headers and the inbound parser's headers both offer. */
export type HeaderLookup = { get(name: string): string | null };

/** A header's first token (`auto-replied; owner-email=…` → `auto-replied`), lowercased. */
const token = (value: string) => value.split(/[;,\s]/, 1)[0]!.toLowerCase();

/** RFC 2076 and RFC 3834 §3.1.8: the values a list, a bulk mailer or a responder sets. */
const AUTOMATIC_PRECEDENCE = new Set(["bulk", "junk", "list", "auto_reply"]);

/** Local parts that RFC 5321 (postmaster) and every MTA's bounces (MAILER-DAEMON) send from. */
const SYSTEM_SENDER = /^(mailer-daemon|postmaster)@/i;

/**
 * Why an email must not become a customer message, or null when nothing says a machine sent it.
 * `envelopeFrom` is the SMTP MAIL FROM (the email() handler's `message.from`) where known: an empty
 * one is the null reverse-path that only bounces and responders use.
 */
export function isAutomatic(headers: HeaderLookup, envelopeFrom?: string): string | null {
  if (headers.get(PARLEY_MARKER_HEADER) !== null) return `loop: ${PARLEY_MARKER_HEADER}`;

  // RFC 3834 §5: any value but "no" (auto-generated, auto-replied, auto-notified and future ones)
  // marks a message no responder may answer. An empty field has no value to go by.
  const autoSubmitted = headers.get("Auto-Submitted")?.trim();
  if (autoSubmitted && token(autoSubmitted) !== "no") return `Auto-Submitted: ${token(autoSubmitted)}`;

  const precedence = headers.get("Precedence")?.trim();
  if (precedence && AUTOMATIC_PRECEDENCE.has(token(precedence))) return `Precedence: ${token(precedence)}`;

  // RFC 3834 §3.3 and RFC 5321 §4.5.5: DSNs and auto-replies go out with a null reverse-path,
  // which the receiving MTA records as `Return-Path: <>`.
  if (headers.get("Return-Path")?.replace(/\s/g, "") === "<>") return "Return-Path: <>";
  if (envelopeFrom !== undefined && (envelopeFrom.trim() === "" || envelopeFrom.trim() === "<>")) return "null envelope sender";

  // Vacation programs that predate RFC 3834 (Exim's, cPanel's, many webmails') mark their replies
  // with these instead; their presence is the signal, whatever the value.
  for (const name of ["X-Autoreply", "X-Autorespond"]) if (headers.get(name) !== null) return name;

  // Microsoft's (MS-OXCMAIL 2.2.3.2.20): a sender that asks for no automatic answer of any kind
  // (All) or none from a responder (AutoReply) is an automated sender guarding against loops. The
  // narrower values (DR, NDR, RN, NRN, OOF) only decline one kind of report and say nothing about
  // who wrote the message.
  const suppress = headers.get("X-Auto-Response-Suppress");
  if (suppress && suppress.split(",").some((value) => ["all", "autoreply"].includes(value.trim().toLowerCase())))
    return `X-Auto-Response-Suppress: ${suppress.trim()}`;

  // RFC 2919 and RFC 2369: a mailing list's or a newsletter's copy, not a person's reply.
  for (const name of ["List-Id", "List-Unsubscribe"]) if (headers.get(name) !== null) return name;

  const from = headers.get("From") ?? "";
  const address = /<([^>]*)>\s*$/.exec(from)?.[1] ?? from.trim();
  if (SYSTEM_SENDER.test(address)) return `From: ${address}`;

  // RFC 6522: delivery status notifications, read receipts and abuse reports all come as
  // multipart/report.
  if (token(headers.get("Content-Type")?.trim() ?? "") === "multipart/report") return "Content-Type: multipart/report";

  return null;
}
