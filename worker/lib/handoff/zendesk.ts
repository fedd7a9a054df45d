// Hands a conversation to Zendesk Support as a new ticket (Tickets API: POST /api/v2/tickets.json,
// API-token auth), its first comment carrying the transcript.
import { basicAuth, DeliveryError } from "../outbound";
import { DEFAULT_HANDOFF_TIMEOUT_MS, postJson, type HandoffDestination, type HandoffTicket } from "./helpdesk";

export type ZendeskConfig = {
  /** The account's address, e.g. "https://mystore.zendesk.com". */
  baseUrl: string;
  /** The agent or admin the API token belongs to. */
  email: string;
  apiToken: string;
  timeoutMs?: number;
};

export class ZendeskHandoff implements HandoffDestination {
  constructor(private readonly config: ZendeskConfig) {}

  async createTicket(ticket: HandoffTicket): Promise<{ externalId: string }> {
    const { baseUrl, email, apiToken, timeoutMs = DEFAULT_HANDOFF_TIMEOUT_MS } = this.config;
    const { customer } = ticket;
    const reply = await postJson("Zendesk", `${baseUrl.replace(/\/+$/, "")}/api/v2/tickets.json`, {
      // API tokens authenticate as "{email}/token:{token}".
      headers: { Authorization: basicAuth(`${email}/token`, apiToken), "Idempotency-Key": ticket.reference },
      body: {
        ticket: {
          subject: ticket.subject,
          comment: { body: ticket.transcript },
          // Without an email Zendesk can't tell who the customer is; the ticket is then the token's user's.
          ...(customer.email ? { requester: { name: customer.name ?? customer.email, email: customer.email } } : {}),
          tags: ["parley"],
        },
      },
      timeoutMs,
    });
    const id = (reply as { ticket?: { id?: unknown } } | null)?.ticket?.id;
    if (typeof id !== "number") throw new DeliveryError("Zendesk's reply named no ticket id", false);
    return { externalId: String(id) };
  }
}
