// Shopify's webhooks (spec v2 "Shopify") as Shopify sends them (shopify-sender.ts): orders become
// events of the customer's profile, customers upsert it, each delivery is applied once, and bad
// input is answered per the contract with nothing changed. The AI agent's order answers read the
// same events; the theme's Liquid hash is what the widget session takes.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { customerOrders } from "../../worker/lib/ai/orders";
import { call, expectError, json } from "./helpers";
import { deliver, orderPayload, shopifySignature } from "./shopify-sender";

let customerCounter = 0;
const newCustomerId = () => 7_000_000_000_000 + (Date.now() % 1_000_000) * 100 + ++customerCounter;

async function profileOf(customerId: number) {
  return env.DB.prepare("SELECT id, external_id, email, name, phone FROM profiles WHERE external_id = ?").bind(String(customerId)).first<{
    id: string;
    external_id: string;
    email: string | null;
    name: string | null;
    phone: string | null;
  }>();
}

async function eventsOf(profileId: string) {
  const { results } = await env.DB.prepare("SELECT name, value, properties, occurred_at FROM events WHERE profile_id = ? ORDER BY occurred_at")
    .bind(profileId)
    .all<{ name: string; value: number | null; properties: string; occurred_at: string }>();
  return results.map((row) => ({ ...row, properties: JSON.parse(row.properties) as Record<string, unknown> }));
}

const counts = async () =>
  env.DB.prepare(
    "SELECT (SELECT count(*) FROM profiles) AS profiles, (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM shopify_deliveries) AS deliveries",
  ).first();

describe("POST /api/integrations/shopify/webhooks", () => {
  it("records orders/create as a Placed Order of the customer's profile, with value, currency, items and order number", async () => {
    const customerId = newCustomerId();
    const response = await deliver({ topic: "orders/create", body: JSON.stringify(orderPayload(customerId)) });
    expect(await json(response, 200)).toEqual({ applied: true });
    const profile = (await profileOf(customerId))!;
    expect(profile).toMatchObject({ external_id: String(customerId), email: "john@example.com", name: "John Smith" });
    expect(await eventsOf(profile.id)).toEqual([
      {
        name: "Placed Order",
        value: 398,
        occurred_at: "2026-12-01T14:15:00.000Z",
        properties: {
          orderId: "#9999",
          orderNumber: 1234,
          shopifyOrderId: String(5_820_982_911_946 + customerId),
          currency: "USD",
          status: "unfulfilled",
          items: [
            { title: "Aviator sunglasses", quantity: 1, price: 199, sku: "SKU2006-001" },
            { title: "Mid-century lounger", quantity: 1, price: 199, sku: "SKU2006-020" },
          ],
        },
      },
    ]);
  });

  it("applies a delivery repeated with the same X-Shopify-Webhook-Id once", async () => {
    const customerId = newCustomerId();
    const delivery = { topic: "orders/create", body: JSON.stringify(orderPayload(customerId)), webhookId: crypto.randomUUID() };
    expect(await json(await deliver(delivery), 200)).toEqual({ applied: true });
    expect(await json(await deliver(delivery), 200)).toEqual({ applied: false, reason: "this delivery was applied before" });
    expect(await eventsOf((await profileOf(customerId))!.id)).toHaveLength(1);
  });

  it("records fulfilled and cancelled orders, and the AI agent's order answer follows them", async () => {
    const customerId = newCustomerId();
    const order = orderPayload(customerId);
    await json(await deliver({ topic: "orders/create", body: JSON.stringify(order) }), 200);
    const fulfilled = {
      ...order,
      fulfillment_status: "fulfilled",
      updated_at: "2026-12-02T10:00:00-05:00",
      fulfillments: [
        { id: 255858046, status: "success", tracking_company: "UPS", tracking_number: "1Z2345", tracking_url: "https://www.ups.com/track?tracknum=1Z2345" },
      ],
    };
    await json(await deliver({ topic: "orders/fulfilled", body: JSON.stringify(fulfilled) }), 200);
    const profileId = (await profileOf(customerId))!.id;
    const events = await eventsOf(profileId);
    expect(events.map((event) => event.name)).toEqual(["Placed Order", "Fulfilled Order"]);
    expect(events[1]!.properties).toMatchObject({ orderId: "#9999", status: "fulfilled", carrier: "UPS", trackingNumber: "1Z2345" });

    const asEvents = events.map((event, i) => ({
      id: `e${i}`,
      name: event.name,
      value: event.value,
      properties: event.properties,
      occurredAt: event.occurred_at,
    }));
    expect(customerOrders({ name: null, email: null, events: asEvents })[0]).toMatchObject({
      orderId: "#9999",
      status: "fulfilled",
      carrier: "UPS",
      trackingNumber: "1Z2345",
    });

    const cancelled = { ...order, cancelled_at: "2026-12-03T08:00:00-05:00", cancel_reason: "customer" };
    await json(await deliver({ topic: "orders/cancelled", body: JSON.stringify(cancelled) }), 200);
    const after = (await eventsOf(profileId)).map((event, i) => ({
      id: `e${i}`,
      name: event.name,
      value: event.value,
      properties: event.properties,
      occurredAt: event.occurred_at,
    }));
    expect(after.at(-1)).toMatchObject({
      name: "Cancelled Order",
      occurredAt: "2026-12-03T13:00:00.000Z",
      properties: { status: "cancelled", cancelReason: "customer" },
    });
    expect(customerOrders({ name: null, email: null, events: after })[0]).toMatchObject({ orderId: "#9999", status: "cancelled", trackingNumber: "1Z2345" });
  });

  it("keeps a 64-bit customer id exact, as the theme signs it (JavaScript numbers lose digits beyond 2^53)", async () => {
    const bigId = `1153106273147${String(Date.now()).slice(-5)}`;
    // The body as Shopify writes it: the id a bare JSON number.
    const body = JSON.stringify(orderPayload(1)).replace('"customer":{"id":1,', `"customer":{"id":${bigId},`);
    expect(body).toContain(`"id":${bigId},`);
    expect(await json(await deliver({ topic: "orders/create", body }), 200)).toEqual({ applied: true });
    const row = await env.DB.prepare("SELECT external_id FROM profiles WHERE external_id = ?").bind(bigId).first();
    expect(row).toEqual({ external_id: bigId });
  });

  it("upserts the profile from customers/create and customers/update", async () => {
    const customerId = newCustomerId();
    const customer = { id: customerId, email: "ada@example.com", first_name: "Ada", last_name: "Lind", phone: "+46701234567", state: "enabled", tags: "" };
    expect(await json(await deliver({ topic: "customers/create", body: JSON.stringify(customer) }), 200)).toEqual({ applied: true });
    expect(await profileOf(customerId)).toMatchObject({ email: "ada@example.com", name: "Ada Lind", phone: "+46701234567" });
    await json(await deliver({ topic: "customers/update", body: JSON.stringify({ ...customer, last_name: "Lindqvist", email: "ada@lindqvist.se" }) }), 200);
    expect(await profileOf(customerId)).toMatchObject({ email: "ada@lindqvist.se", name: "Ada Lindqvist" });
  });

  it("refuses a wrong or missing HMAC with 401, a body that isn't JSON or lacks a field with 400, and changes nothing", async () => {
    const customerId = newCustomerId();
    const body = JSON.stringify(orderPayload(customerId));
    const before = await counts();
    await expectError(await deliver({ topic: "orders/create", body, signature: null }), 401, "unauthorized");
    await expectError(await deliver({ topic: "orders/create", body, signature: await shopifySignature(body, "another-shop-secret") }), 401, "unauthorized");
    await expectError(await deliver({ topic: "orders/create", body: `${body} `, signature: await shopifySignature(body) }), 401, "unauthorized");
    await expectError(await deliver({ topic: "orders/create", body, signature: "not base64!" }), 401, "unauthorized");
    await expectError(await deliver({ topic: "orders/create", body: "{not json" }), 400, "invalid_request");
    const noPrice = { ...orderPayload(customerId), total_price: undefined };
    const refused = await json(await deliver({ topic: "orders/create", body: JSON.stringify(noPrice) }), 400);
    expect(refused.error.message).toMatch(/^total_price: /);
    await expectError(await deliver({ topic: "customers/update", body: JSON.stringify({ email: "x@example.com" }) }), 400, "invalid_request");
    expect(await counts()).toEqual(before);
    expect(await profileOf(customerId)).toBeNull();
  });

  it("answers an unknown topic and an order without a customer with 200, and changes nothing", async () => {
    const before = await counts();
    expect(await json(await deliver({ topic: "products/create", body: JSON.stringify({ id: 1, title: "Hat" }) }), 200)).toMatchObject({ applied: false });
    expect(await json(await deliver({ topic: "orders/create", body: JSON.stringify(orderPayload(newCustomerId(), { customer: null })) }), 200)).toEqual({
      applied: false,
      reason: "the order has no customer (a guest checkout)",
    });
    expect(await counts()).toEqual(before);
  });
});

describe("the theme's Liquid snippet", () => {
  it("computes a userHash the widget session takes: {{ customer.id | hmac_sha256: secret }}, the hex HMAC-SHA256 of the id", async () => {
    const customerId = String(newCustomerId());
    // What Liquid's hmac_sha256 filter outputs: lowercase hex of HMAC-SHA256(secret, the id as text).
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.IDENTITY_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const liquidHash = [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(customerId)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    const session = await json(
      await call("/api/widget/session", { method: "POST", json: { customer: { id: customerId, email: "john@example.com" }, userHash: liquidHash } }),
      200,
    );
    expect(session.profileId).toEqual(expect.any(String));
    await expectError(
      await call("/api/widget/session", {
        method: "POST",
        json: {
          customer: { id: customerId },
          userHash: liquidHash.replace(/.$/, "0") === liquidHash ? liquidHash.replace(/.$/, "1") : liquidHash.replace(/.$/, "0"),
        },
      }),
      401,
      "invalid_identity",
    );
  });
});
