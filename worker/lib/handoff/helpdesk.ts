// What the help-desk handoff clients (Zendesk, Gorgias) share: the ticket they are given, the
// transcript it carries, and one JSON POST with a deadline.
import type { MessageT } from "../../../contract";
import { DeliveryError, requestWithDeadline, statusError } from "../outbound";

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
  /** Resolves with the help desk's ticket id; throws DeliveryError. */
  createTicket(ticket: HandoffTicket): Promise<{ externalId: string }>;
}

export const DEFAULT_HANDOFF_TIMEOUT_MS = 10_000;

const STATUS_HINTS: Record<number, string> = {
  400: "the request was refused as invalid",
  401: "the credentials were refused",
  403: "the credentials lack permission to create tickets",
  404: "nothing answers there: check the account's address",
  422: "the ticket was refused as invalid",
  429: "rate limited",
};

/** POSTs `body` as JSON and resolves with the parsed JSON of a 2xx reply; throws DeliveryError. */
export async function postJson(service: string, url: string, init: { headers: Record<string, string>; body: unknown; timeoutMs: number }): Promise<unknown> {
  const { response, text } = await requestWithDeadline(service, url, {
    method: "POST",
    headers: { ...init.headers, "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(init.body),
    timeoutMs: init.timeoutMs,
  });
  if (!response.ok) {
    const { status } = response;
    throw statusError(service, response, STATUS_HINTS[status] ?? (status >= 500 ? "the service failed" : "the request was refused"));
  }
  try {
    return JSON.parse(text);
  } catch {
    // Not retryable: the ticket may well exist, and a retry could make a second one.
    throw new DeliveryError(`${service} answered ${response.status} without a readable ticket`, false, response.status);
  }
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
