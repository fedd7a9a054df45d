// A local sender that speaks Shopify's webhook wire format (as wire-services.ts speaks Twilio's):
// the JSON body as Shopify posts it, signed with the shop's webhook secret in
// X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body), with its topic, shop and webhook id.
import { env, exports } from "cloudflare:workers";
import { BASE } from "./helpers";

const encoder = new TextEncoder();

export async function shopifySignature(body: string, secret = env.SHOPIFY_WEBHOOK_SECRET): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)))));
}

export type Delivery = { topic: string; body: string; webhookId?: string; signature?: string | null };

/** Posts one delivery as Shopify does; `signature: null` leaves the header out. */
export async function deliver({ topic, body, webhookId = crypto.randomUUID(), signature }: Delivery): Promise<Response> {
  const headers = new Headers({
    "Content-Type": "application/json",
    "X-Shopify-Topic": topic,
    "X-Shopify-Shop-Domain": "wool-and-wax.myshopify.com",
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Webhook-Id": webhookId,
    "X-Shopify-Triggered-At": new Date().toISOString(),
  });
  const hmac = signature === undefined ? await shopifySignature(body) : signature;
  if (hmac !== null) headers.set("X-Shopify-Hmac-Sha256", hmac);
  return exports.default.fetch(new Request(`${BASE}/api/integrations/shopify/webhooks`, { method: "POST", headers, body }));
}

/**
 * An orders/create body in the shape of Shopify's documented sample (fields Parley does not read
 * included, as Shopify sends them), for customer `customerId`.
 */
export function orderPayload(customerId: number, overrides: Record<string, unknown> = {}) {
  return {
    id: 5_820_982_911_946 + customerId,
    admin_graphql_api_id: "gid://shopify/Order/820982911946154508",
    app_id: null,
    browser_ip: null,
    buyer_accepts_marketing: true,
    cancel_reason: null,
    cancelled_at: null,
    confirmed: false,
    contact_email: "jon@example.com",
    created_at: "2026-12-01T09:15:00-05:00",
    currency: "USD",
    current_total_price: "398.00",
    email: "jon@example.com",
    financial_status: "voided",
    fulfillment_status: null,
    name: "#9999",
    order_number: 1234,
    total_price: "398.00",
    total_tax: "0.00",
    updated_at: "2026-12-01T09:15:00-05:00",
    line_items: [
      { id: 4_878_176_722_762, title: "Aviator sunglasses", quantity: 1, price: "199.00", sku: "SKU2006-001", vendor: null },
      { id: 9_763_183_771_065, title: "Mid-century lounger", quantity: 1, price: "199.00", sku: "SKU2006-020", vendor: null },
    ],
    fulfillments: [],
    customer: {
      id: customerId,
      email: "john@example.com",
      created_at: null,
      updated_at: null,
      first_name: "John",
      last_name: "Smith",
      state: "disabled",
      note: null,
      verified_email: true,
      phone: null,
      currency: "USD",
    },
    ...overrides,
  };
}
