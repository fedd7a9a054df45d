// What the webhook tests share (webhooks-endpoints, -delivery and -events .test.ts): the local
// receiver (webhook-receiver.ts), the file's admin and an agent, docs/webhooks.md's recipe for
// checking a signature, and helpers for endpoints and the delivery log.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll } from "vitest";
import type { WebhookDeliveryT, WebhookT } from "../../contract";
import { db } from "../../worker/db/client";
import { addAgent, call, json, login } from "./helpers";
import { receiverScope } from "./webhook-receiver-control";

export const receiver = receiverScope();
export const database = db(env.DB);
export const ALL_EVENTS = ["ticket.created", "message.created", "ticket.status_changed", "ticket.assigned"] as const;

export let admin: string;
export let agentCookie: string;

/** This file's admin and an agent before its tests; the receiver's recordings forgotten after them. */
export function useWebhooksAdmin() {
  beforeAll(async () => {
    admin = await login();
    agentCookie = (await addAgent(admin, "agent")).cookie;
  });

  afterAll(() => receiver.reset());
}

// --- The Cloudflare Worker recipe of docs/webhooks.md, as a receiver would paste it ----------

export const TOLERANCE_SECONDS = 5 * 60;

export async function verifyParleySignature(
  secret: string,
  header: string | null,
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  const parts = Object.fromEntries((header ?? "").split(",").map((part) => part.split("=", 2)));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) return false;
  const hex = parts.v1 ?? "";
  if (!/^[0-9a-f]{64}$/.test(hex)) return false;
  const signed = Uint8Array.from(hex.match(/../g)!, (byte: string) => parseInt(byte, 16));
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, signed, encoder.encode(`${timestamp}.${rawBody}`));
}

// --- Helpers -----------------------------------------------------------------------------------

export async function register(input: Record<string, unknown>) {
  return json<{ webhook: WebhookT; secret: string }>(await call("/api/webhooks", { method: "POST", cookie: admin, json: input }), 201);
}

export async function deliveries(query = ""): Promise<WebhookDeliveryT[]> {
  return (await json<{ deliveries: WebhookDeliveryT[] }>(await call(`/api/webhooks/deliveries${query}`, { cookie: admin }), 200)).deliveries;
}

export async function patch(id: string, body: unknown) {
  return call(`/api/webhooks/${id}`, { method: "PATCH", cookie: admin, json: body });
}
