// What the help-desk handoff clients (Zendesk, Gorgias) share: the ticket they are given, the
// transcript it carries, one POST with a deadline, and one error type that says whether a retry
// can help.
import type { MessageT } from "../../contract";

export type HandoffCustomer = { name: string | null; email: string | null };

export type HandoffTicket = {
  subject: string;
  /** Plain text, as `transcript()` renders the conversation. */
  transcript: string;
  customer: HandoffCustomer;
  /**
   * Parley's id for this handoff, the same on every retry of it: Zendesk replays the ticket it
   * already created for a repeated key (Idempotency-Key), Gorgias stores it as external_id.
   */
  reference: string;
};

export interface HandoffDestination {
  /** Resolves with the help desk's ticket id; throws HandoffError. */
  createTicket(ticket: HandoffTicket): Promise<{ externalId: string }>;
}

/**
 * Why a handoff failed. `retryable`: the help desk was down, slow or rate limiting (5xx, 429,
 * timeouts, network errors) and the same request may succeed later, after `retryAfterMs` when
 * it said so. Not retryable: a 4xx such as 401/403/422, a configuration problem an admin must fix.
 * The message never carries a credential or the help desk's response body.
 */
export class HandoffError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "HandoffError";
  }
}

export const DEFAULT_HANDOFF_TIMEOUT_MS = 10_000;

/** HTTP Basic credentials; UTF-8 before base64, as btoa alone refuses anything beyond Latin-1. */
export function basicAuth(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

const STATUS_HINTS: Record<number, string> = {
  400: "the request was refused as invalid",
  401: "the credentials were refused",
  403: "the credentials lack permission to create tickets",
  404: "nothing answers there: check the account's address",
  422: "the ticket was refused as invalid",
  429: "rate limited",
};

/** POSTs `body` as JSON and resolves with the parsed JSON of a 2xx reply; throws HandoffError. */
export async function postJson(service: string, url: string, init: { headers: Record<string, string>; body: unknown; timeoutMs: number }): Promise<unknown> {
  const signal = AbortSignal.timeout(init.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { ...init.headers, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(init.body),
      signal,
    });
    text = await response.text();
  } catch {
    throw new HandoffError(signal.aborted ? `${service} did not answer within ${init.timeoutMs} ms` : `${service} could not be reached`, true);
  }
  if (!response.ok) {
    const { status } = response;
    const hint = STATUS_HINTS[status] ?? (status >= 500 ? "the service failed" : "the request was refused");
    throw new HandoffError(`${service} answered ${status}: ${hint}`, status >= 500 || status === 429, status, retryAfterMs(response.headers.get("Retry-After")));
  }
  try {
    return JSON.parse(text);
  } catch {
    // Not retryable: the ticket may well exist, and a retry could make a second one.
    throw new HandoffError(`${service} answered ${response.status} without a readable ticket`, false, response.status);
  }
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const AUTHOR_FALLBACK: Record<MessageT["author"]["kind"], string> = { customer: "Customer", agent: "Agent", bot: "Assistant", system: "System" };

/**
 * The conversation as plain text for an agent in another help desk: who the customer is, then
 * one "[time] Author: text" entry per message. A message's further lines are indented, so no
 * text a customer types can pass for an entry of its own.
 */
export function transcript(messages: MessageT[], customer: HandoffCustomer): string {
  const who = [customer.name, customer.email && `<${customer.email}>`].filter(Boolean).join(" ") || "unknown";
  const entries = messages.map((message) => {
    const time = `${message.createdAt.slice(0, 16).replace("T", " ")} UTC`;
    const author = message.author.name ?? (message.author.kind === "customer" ? customer.name : null) ?? AUTHOR_FALLBACK[message.author.kind];
    const files = message.attachments.length ? ` (+${message.attachments.length} attachment${message.attachments.length > 1 ? "s" : ""})` : "";
    return `[${time}] ${author}: ${message.body.replace(/\r?\n/g, "\n  ")}${files}`;
  });
  return [`Customer: ${who}`, "", ...entries].join("\n");
}
