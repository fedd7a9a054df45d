// Hands a conversation to Gorgias as a new ticket (POST /api/tickets, API-key auth). Per
// Gorgias's "create a ticket using API" guide, an API-channel ticket whose first message is the
// customer's (incoming) needs channel/via "api" and from_agent false on the ticket and on the
// message, and a sender that names the customer by id or email. The transcript is that message.
import { basicAuth, DeliveryError } from "../outbound";
import { DEFAULT_HANDOFF_TIMEOUT_MS, postJson, type HandoffDestination, type HandoffTicket } from "./helpdesk";

export type GorgiasConfig = {
  /** The account's address, e.g. "https://mystore.gorgias.com". */
  baseUrl: string;
  /** The user the API key belongs to (Gorgias: Settings → REST API). */
  email: string;
  apiKey: string;
  timeoutMs?: number;
};

export class GorgiasHandoff implements HandoffDestination {
  constructor(private readonly config: GorgiasConfig) {}

  async createTicket(ticket: HandoffTicket): Promise<{ externalId: string }> {
    const { baseUrl, email, apiKey, timeoutMs = DEFAULT_HANDOFF_TIMEOUT_MS } = this.config;
    const { customer } = ticket;
    // The message's sender must be a customer Gorgias can find or create, and email is how.
    if (!customer.email) throw new DeliveryError("Gorgias needs the customer's email, and this customer has none", false);
    const sender = { email: customer.email, ...(customer.name ? { name: customer.name } : {}) };
    const reply = await postJson("Gorgias", `${baseUrl.replace(/\/+$/, "")}/api/tickets`, {
      headers: { Authorization: basicAuth(email, apiKey) },
      body: {
        customer: sender,
        external_id: ticket.reference,
        channel: "api",
        via: "api",
        from_agent: false,
        subject: ticket.subject,
        messages: [{ channel: "api", via: "api", from_agent: false, sender: { email: customer.email }, subject: ticket.subject, body_text: ticket.transcript }],
      },
      timeoutMs,
    });
    const id = (reply as { id?: unknown } | null)?.id;
    if (typeof id !== "number") throw new DeliveryError("Gorgias's reply named no ticket id", false);
    return { externalId: String(id) };
  }
}
