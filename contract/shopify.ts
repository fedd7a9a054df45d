// Shopify's webhooks (spec v2 "Shopify"): the headers Shopify sends and the parts of its order and
// customer payloads Parley reads (Shopify's documented REST webhook bodies; every other field is
// ignored). Written once for the worker and the OpenAPI document.
import { z } from "@hono/zod-openapi";

export const SHOPIFY_TOPICS = ["orders/create", "orders/fulfilled", "orders/cancelled", "customers/create", "customers/update"] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];

export const ShopifyWebhookHeaders = z.object({
  "x-shopify-hmac-sha256": z.string().optional().openapi({ description: "base64(HMAC-SHA256(SHOPIFY_WEBHOOK_SECRET, raw body))" }),
  "x-shopify-topic": z.string().optional().openapi({ example: "orders/create" }),
  "x-shopify-webhook-id": z.string().optional().openapi({ description: "The same on every retry of one delivery: applied once" }),
  "x-shopify-shop-domain": z.string().optional(),
});

/** Shopify's ids are 64-bit integers; JSON carries them as numbers (or strings in some clients). */
const shopifyId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);
const text = z.string().max(500).nullish();
/** Money is a decimal string in Shopify's payloads ("199.00"). */
const money = z.union([z.string().regex(/^-?\d+(\.\d+)?$/), z.number()]).transform(Number);

export const ShopifyCustomer = z.object({
  id: shopifyId,
  email: z.string().max(320).nullish(),
  first_name: text,
  last_name: text,
  phone: z.string().max(40).nullish(),
});

export const ShopifyOrder = z.object({
  id: shopifyId,
  name: z.string().max(100).nullish().openapi({ description: "The order's name as the shop shows it, e.g. #1001" }),
  order_number: z.number().int().nullish(),
  total_price: money,
  currency: z.string().regex(/^[A-Z]{3}$/),
  created_at: z.string().max(40).nullish(),
  updated_at: z.string().max(40).nullish(),
  cancelled_at: z.string().max(40).nullish(),
  cancel_reason: z.string().max(100).nullish(),
  fulfillment_status: z.string().max(60).nullish(),
  line_items: z
    .array(z.object({ title: z.string().max(500), quantity: z.number().int(), price: money, sku: z.string().max(200).nullish() }))
    .max(500)
    .default([]),
  fulfillments: z
    .array(z.object({ tracking_company: text, tracking_number: text, tracking_url: z.string().max(2000).nullish() }))
    .max(100)
    .default([]),
  customer: ShopifyCustomer.nullish(),
});

export const ShopifyWebhookResult = z.object({ applied: z.boolean(), reason: z.string().optional() }).openapi("ShopifyWebhookResult", {
  description: "`applied: false` with the reason when the delivery changes nothing (a repeat, an unknown topic, an order without a customer).",
});

export type ShopifyCustomerT = z.infer<typeof ShopifyCustomer>;
export type ShopifyOrderT = z.infer<typeof ShopifyOrder>;
