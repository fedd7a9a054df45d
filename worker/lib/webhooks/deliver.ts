// One delivery attempt of a webhook event to an endpoint, signed the way docs/webhooks.md tells
// receivers to check. The ticket's object owns the retries (its outbox), so this makes exactly
// one request and says, through DeliveryError, whether another attempt can help.
import type { WebhookEventTypeT } from "../../../contract";
import type { Db } from "../../db/client";
import { hmacHex } from "../crypto";
import { DeliveryError, requestWithDeadline, retryAfterMs, statusError } from "../outbound";
import { webhookWithSecret } from "./endpoints";

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const USER_AGENT = "Parley-Webhooks/1";
const SERVICE = "The webhook endpoint";

/** X-Parley-Signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export async function signature(secret: string, timestamp: number, body: string): Promise<string> {
  return `t=${timestamp},v1=${await hmacHex(secret, `${timestamp}.${body}`)}`;
}

export type WebhookAttempt = { id: string; webhookId: string; event: WebhookEventTypeT; ticketId: string; body: string; attempt: number };

/**
 * POSTs the event's body (the same bytes on every attempt) to the endpoint's current address,
 * signed with its current secret and a fresh timestamp. Resolves on a 2xx; throws DeliveryError,
 * retryable when the receiver was unreachable, slow or busy (network, deadline, 5xx, 429, 408).
 */
export async function deliverWebhook(env: Env, database: Db, delivery: WebhookAttempt, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<{ responseStatus: number }> {
  const endpoint = await webhookWithSecret(env, database, delivery.webhookId);
  if (!endpoint) throw new DeliveryError("endpoint deleted", false);
  if (!endpoint.enabled) throw new DeliveryError("endpoint disabled", false);
  if (!endpoint.events.includes(delivery.event)) throw new DeliveryError(`endpoint no longer subscribes to ${delivery.event}`, false);
  if (!endpoint.secret) throw new DeliveryError("the endpoint's secret can't be read (was CREDENTIALS_KEY changed?): rotate the secret", false);

  const { response } = await requestWithDeadline(SERVICE, endpoint.url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "User-Agent": USER_AGENT,
      "X-Parley-Event": delivery.event,
      "X-Parley-Delivery": delivery.id,
      "X-Parley-Signature": await signature(endpoint.secret, Math.floor(Date.now() / 1000), delivery.body),
    },
    body: delivery.body,
    timeoutMs,
  });
  const { status } = response;
  if (response.ok) return { responseStatus: status };
  // Never followed (fetchOutside): a redirect could carry a signed event to an address no admin registered.
  if (status >= 300 && status < 400)
    throw new DeliveryError(`${SERVICE} answered ${status}: redirects are not followed, register the address it points to`, false, status);
  if (status === 408)
    throw new DeliveryError(`${SERVICE} answered 408: it timed out reading the request`, true, status, retryAfterMs(response.headers.get("Retry-After")));
  throw statusError(SERVICE, response, status >= 500 ? "the receiver failed" : status === 429 ? "rate limited" : "the receiver refused the event");
}
