// The JSON body of a webhook event (docs/webhooks.md). It is serialized once, when the event
// happens, so every attempt sends the same bytes and the same event id.
import type { MessageT, TicketStatusT, TicketT, WebhookEventTypeT } from "../../../contract";
import { newId, nowIso } from "../ids";

export type WebhookEventData = {
  ticket: TicketT;
  message?: MessageT;
  previous?: { status?: TicketStatusT; assigneeId?: string | null };
};

/** Each event carries the ticket as it is now, plus what the event is about. */
function payload(type: WebhookEventTypeT, { ticket, message, previous }: WebhookEventData) {
  switch (type) {
    case "ticket.created":
      return { ticket };
    case "message.created":
      if (!message) throw new Error("a message.created event needs the message");
      return { ticket, message };
    case "ticket.status_changed":
      if (!previous?.status) throw new Error("a ticket.status_changed event needs the previous status");
      return { ticket, previous: { status: previous.status } };
    case "ticket.assigned":
      if (previous?.assigneeId === undefined) throw new Error("a ticket.assigned event needs the previous assignee (or null)");
      return { ticket, previous: { assigneeId: previous.assigneeId } };
  }
}

export function webhookEventBody(type: WebhookEventTypeT, data: WebhookEventData): { eventId: string; body: string } {
  const eventId = newId("evt");
  return { eventId, body: JSON.stringify({ id: eventId, type, createdAt: nowIso(), data: payload(type, data) }) };
}
