// The ticket's webhook events: what happened, in the order the conversation lived it, each copied
// to the endpoints subscribed to it (a lane per endpoint) and delivered at least once. When the
// store has no endpoint, an event costs nothing: no job is written.
import type { MessageT, WebhookEventTypeT } from "../../contract";
import { db } from "../../worker/db/client";
import { newId } from "../../worker/lib/ids";
import { DeliveryError } from "../../worker/lib/outbound";
import { deliverWebhook } from "../../worker/lib/webhooks/deliver";
import { recentWebhooks, recordDelivery } from "../../worker/lib/webhooks/endpoints";
import { webhookEventBody, type WebhookEventData } from "../../worker/lib/webhooks/events";
import type { ConversationCore, Snapshot } from "./core";
import type { MessageLog } from "./message-log";
import type { Job, JobOutcome, Outbox } from "./outbox";
import type { StoredState } from "./state";

/** About half a day of retries at the capped backoff. */
const MAX_WEBHOOK_ATTEMPTS = 20;

export class WebhookEvents {
  constructor(
    private readonly core: ConversationCore,
    private readonly outbox: Outbox,
    private readonly log: MessageLog,
  ) {
    core.onChange((before, state, entered) => this.changed(before, state, entered));
  }

  /**
   * Whether any endpoint may want events. Known from the recent list without waiting; not known
   * yet (a fresh isolate), an event is owed anyway and the fan-out decides, while the list loads.
   */
  private wanted(): boolean {
    const endpoints = recentWebhooks(this.core.env).now();
    return endpoints === undefined || endpoints.length > 0;
  }

  /** An event, owed in the same step as the change it tells of; told only once the ticket is in the inbox. */
  emit(type: WebhookEventTypeT, data: WebhookEventData): void {
    if (!this.core.state!.announced || !this.wanted()) return;
    this.outbox.add("fanout", { kind: "fanout", event: type, body: webhookEventBody(type, data).body });
  }

  /** On every message: nothing is built unless an endpoint may want it. */
  messageCreated(message: MessageT): void {
    if (this.core.state!.announced && this.wanted()) this.emit("message.created", { ticket: this.core.ticket(), message });
  }

  private changed(before: Snapshot, state: StoredState, entered: boolean): void {
    if (!state.announced || !this.wanted()) return;
    const ticket = this.core.ticket();
    // Entering the inbox: the webhooks hear of the ticket, and of its messages so far.
    if (entered) {
      this.emit("ticket.created", { ticket });
      for (const message of this.log.after(0)) this.emit("message.created", { ticket, message });
    }
    if (before.status !== state.status) this.emit("ticket.status_changed", { ticket, previous: { status: before.status } });
    if (before.assigneeId !== state.assigneeId) this.emit("ticket.assigned", { ticket, previous: { assigneeId: before.assigneeId } });
  }

  // ---- the outbox's runners ------------------------------------------------------------------

  /** An event becomes one delivery per endpoint subscribed to it, each in that endpoint's lane. */
  async fanOut(job: Job<"fanout">): Promise<JobOutcome<"fanout">> {
    const { event, body } = job.payload;
    for (const webhook of await recentWebhooks(this.core.env).get()) {
      if (!webhook.events.includes(event)) continue;
      this.outbox.add(`webhook:${webhook.id}`, { kind: "webhook", deliveryId: newId("dlv"), webhookId: webhook.id, event, body });
    }
    return "done";
  }

  /** One attempt at a webhook delivery; every attempt is written to the admins' delivery log. */
  async deliver(job: Job<"webhook">): Promise<JobOutcome<"webhook">> {
    const { deliveryId, webhookId, event, body } = job.payload;
    const database = db(this.core.env.DB);
    const attempts = job.attempts + 1;
    const entry = { id: deliveryId, webhookId, event, ticketId: this.core.state!.id, attempts };
    try {
      const { responseStatus } = await deliverWebhook(this.core.env, database, { ...entry, body, attempt: attempts });
      // Delivered is delivered: a log that cannot be written must not send the event again.
      await recordDelivery(database, { ...entry, status: "delivered", responseStatus, lastError: null, nextAttemptAt: null }).catch((error) =>
        console.warn(`ticket ${entry.ticketId}: could not log webhook delivery ${entry.id}`, error),
      );
      return "done";
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      const retryAt = error.retryable && attempts < MAX_WEBHOOK_ATTEMPTS ? this.outbox.retryAt(job, error.retryAfterMs) : null;
      await recordDelivery(database, {
        ...entry,
        status: retryAt ? "pending" : "failed",
        responseStatus: error.status ?? null,
        lastError: error.message,
        nextAttemptAt: retryAt === null ? null : new Date(retryAt).toISOString(),
      });
      return retryAt ? { retryAt } : "done";
    }
  }
}
