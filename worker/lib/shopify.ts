// Shopify's webhooks (spec v2 "Shopify"): checking their signature, applying each delivery once,
// and what an order or a customer becomes in Parley: an event of the profile whose externalId is
// the Shopify customer id (the id a store's theme proves with `userHash`), or the profile itself.
import { eq } from "drizzle-orm";
import type { ShopifyCustomerT, ShopifyOrderT, ShopifyTopic } from "../../contract";
import type { Db } from "../db/client";
import { shopifyDeliveries } from "../db/schema";
import { verifyHmacBase64 } from "./crypto";
import type { StoreEventInput } from "./events";
import { nowIso } from "./ids";
import type { ProfileInput } from "./profiles";

/** Whether `signature` (X-Shopify-Hmac-Sha256) is the base64 HMAC-SHA256 of the raw body with the secret. */
export const verifyShopifyHmac = (secret: string, body: ArrayBuffer, signature: string | null) => verifyHmacBase64("SHA-256", secret, body, signature);

/** Claims a delivery; false when it was applied before. */
export async function claimDelivery(database: Db, webhookId: string, topic: ShopifyTopic): Promise<boolean> {
  const claimed = await database
    .insert(shopifyDeliveries)
    .values({ webhookId, topic, receivedAt: nowIso() })
    .onConflictDoNothing()
    .returning({ id: shopifyDeliveries.webhookId });
  return claimed.length > 0;
}

/** A claimed delivery that failed to apply is given back, so that Shopify's retry applies it. */
export async function releaseDelivery(database: Db, webhookId: string): Promise<void> {
  await database.delete(shopifyDeliveries).where(eq(shopifyDeliveries.webhookId, webhookId));
}

export function customerProfile(customer: ShopifyCustomerT): ProfileInput {
  const name = [customer.first_name, customer.last_name].filter((part) => part && part.trim()).join(" ");
  return {
    externalId: customer.id,
    ...(customer.email ? { email: customer.email } : {}),
    ...(customer.phone ? { phone: customer.phone } : {}),
    ...(name ? { name } : {}),
  };
}

const EVENT_NAMES: Record<"orders/create" | "orders/fulfilled" | "orders/cancelled", string> = {
  "orders/create": "Placed Order",
  "orders/fulfilled": "Fulfilled Order",
  "orders/cancelled": "Cancelled Order",
};

/**
 * The order as a store event, with what the ticket's event history and the AI agent's order
 * answers read: the order's name (`orderId`, e.g. #1001), value, currency, items, and once
 * fulfilled its tracking.
 */
export function orderEvent(topic: keyof typeof EVENT_NAMES, order: ShopifyOrderT): StoreEventInput {
  const tracking = order.fulfillments.find((fulfillment) => fulfillment.tracking_number || fulfillment.tracking_url);
  const when = topic === "orders/create" ? order.created_at : topic === "orders/cancelled" ? order.cancelled_at : order.updated_at;
  const occurredAt = when && !Number.isNaN(Date.parse(when)) ? new Date(when).toISOString() : undefined;
  return {
    name: EVENT_NAMES[topic],
    value: order.total_price,
    properties: {
      orderId: order.name ?? (order.order_number == null ? order.id : `#${order.order_number}`),
      orderNumber: order.order_number ?? null,
      shopifyOrderId: order.id,
      currency: order.currency,
      status: topic === "orders/create" ? (order.fulfillment_status ?? "unfulfilled") : topic === "orders/fulfilled" ? "fulfilled" : "cancelled",
      items: order.line_items.map((item) => ({ title: item.title, quantity: item.quantity, price: item.price, ...(item.sku ? { sku: item.sku } : {}) })),
      ...(tracking?.tracking_company ? { carrier: tracking.tracking_company } : {}),
      ...(tracking?.tracking_number ? { trackingNumber: tracking.tracking_number } : {}),
      ...(tracking?.tracking_url ? { trackingUrl: tracking.tracking_url } : {}),
      ...(topic === "orders/cancelled" && order.cancel_reason ? { cancelReason: order.cancel_reason } : {}),
    },
    ...(occurredAt ? { occurredAt } : {}),
  };
}

export const isOrderTopic = (topic: ShopifyTopic): topic is keyof typeof EVENT_NAMES => topic in EVENT_NAMES;
