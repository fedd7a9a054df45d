// Shopify's webhooks (spec v2 "Shopify", docs/shopify.md): orders become events of the customer's
// profile, customers upsert it. Their one guard: the HMAC of the raw body with the shop's
// webhook secret, checked before anything is read.
import type { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { SHOPIFY_TOPICS, ShopifyCustomer, ShopifyOrder, ShopifyWebhookHeaders, ShopifyWebhookResult, type ShopifyTopic } from "../../../contract";
import type { AppEnv } from "../../env";
import { db } from "../../db/client";
import { ApiError, firstIssue } from "../../lib/errors";
import { recordStoreEvent } from "../../lib/events";
import { errors, json } from "../../lib/openapi";
import { upsertProfile } from "../../lib/profiles";
import { claimDelivery, customerProfile, isOrderTopic, orderEvent, releaseDelivery, verifyShopifyHmac } from "../../lib/shopify";
import { audience, defineRoute } from "../audience";

const requireShopifyHmac = createMiddleware<AppEnv>(async (c, next) => {
  const secret = c.env.SHOPIFY_WEBHOOK_SECRET;
  if (!secret) throw new ApiError(401, "unauthorized", "Shopify webhooks are not set up: set the SHOPIFY_WEBHOOK_SECRET secret (docs/shopify.md).");
  if (!(await verifyShopifyHmac(secret, await c.req.arrayBuffer(), c.req.header("X-Shopify-Hmac-Sha256") ?? null))) {
    throw new ApiError(401, "unauthorized", "X-Shopify-Hmac-Sha256 is missing or is not the HMAC of this body with the webhook secret.");
  }
  await next();
});

const isTopic = (topic: string): topic is ShopifyTopic => (SHOPIFY_TOPICS as readonly string[]).includes(topic);

/**
 * Shopify's ids are 64-bit: beyond 2^53 a JSON number loses digits in JavaScript, and a customer
 * id must match the one the theme signs exactly. Such integers are kept as their source text.
 */
function exactBigIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  return typeof value === "number" && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source) ? context.source : value;
}

/** The body as JSON, validated for its topic; a bad body is a 400 naming the field. */
function payloadOf<S extends z.ZodType>(raw: ArrayBuffer, schema: S): z.infer<S> {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw), exactBigIntegers as never);
  } catch {
    throw new ApiError(400, "invalid_request", "The body is not JSON.");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, "invalid_request", firstIssue(parsed.error, "body"));
  return parsed.data;
}

const shopifyRoutes = [
  defineRoute(
    {
      method: "post",
      path: "/api/integrations/shopify/webhooks",
      tags: ["shopify"],
      summary: "Shopify's order and customer webhooks: orders become events of the customer's profile, customers upsert it",
      description:
        "Topics (X-Shopify-Topic): orders/create, orders/fulfilled, orders/cancelled (→ Placed, Fulfilled, Cancelled Order), customers/create, customers/update. Verified by X-Shopify-Hmac-Sha256; a repeated X-Shopify-Webhook-Id is applied once; an unknown topic or an order without a customer is answered 200 and changes nothing.",
      request: { headers: ShopifyWebhookHeaders },
      responses: { 200: json(ShopifyWebhookResult, "Applied, or why nothing changed"), 400: errors[400], 401: errors[401] },
    },
    async (c) => {
      const topic = c.req.header("X-Shopify-Topic") ?? "";
      if (!isTopic(topic)) return c.json({ applied: false, reason: `topic ${topic || "(none)"} is not one Parley takes` }, 200);
      const webhookId = c.req.header("X-Shopify-Webhook-Id");
      if (!webhookId) throw new ApiError(400, "invalid_request", "X-Shopify-Webhook-Id: missing.");
      const raw = await c.req.arrayBuffer();
      const database = db(c.env.DB);
      // Validated before the delivery is claimed: a bad body changes nothing, a retry included.
      const apply = isOrderTopic(topic)
        ? (() => {
            const order = payloadOf(raw, ShopifyOrder);
            if (!order.customer) return null;
            return () => recordStoreEvent(database, customerProfile(order.customer!), orderEvent(topic, order));
          })()
        : (() => {
            const customer = payloadOf(raw, ShopifyCustomer);
            return () => upsertProfile(database, customerProfile(customer), "trusted");
          })();
      if (!apply) return c.json({ applied: false, reason: "the order has no customer (a guest checkout)" }, 200);
      if (!(await claimDelivery(database, webhookId, topic))) return c.json({ applied: false, reason: "this delivery was applied before" }, 200);
      try {
        await apply();
      } catch (error) {
        await releaseDelivery(database, webhookId);
        throw error;
      }
      return c.json({ applied: true }, 200);
    },
  ),
];

export const shopifyApi = audience(requireShopifyHmac, shopifyRoutes);
