// Outgoing webhooks (admins): the endpoints, their signing secrets (shown once, when created or
// rotated) and the delivery log. Deliveries themselves go out from each ticket's object.
import { createRoute, z } from "@hono/zod-openapi";
import { Webhook, WebhookDelivery, WebhookInput } from "../contract";
import { db } from "../db/client";
import { requireAdmin, requireAgent } from "../middleware/auth";
import { agentAuth, errors, json, jsonBody } from "../lib/openapi";
import { assertOutgoingUrls } from "../lib/outgoing-url";
import { router } from "../lib/router";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, MAX_WEBHOOKS, rotateWebhookSecret, updateWebhook } from "../lib/webhooks/endpoints";

const eventsAreUnique = (input: { events?: string[] }) => !input.events || new Set(input.events).size === input.events.length;
const uniqueEvents = { path: ["events"], message: "lists an event more than once" };

const CreateWebhook = WebhookInput.partial({ enabled: true })
  .refine(eventsAreUnique, uniqueEvents)
  .openapi("WebhookCreate", { description: "`enabled` defaults to true." });
const PatchWebhook = WebhookInput.partial()
  .refine((patch) => Object.keys(patch).length > 0, "name at least one field to change")
  .refine(eventsAreUnique, uniqueEvents)
  .openapi("WebhookPatch");
const Secret = z.string().openapi({ description: "The signing secret: shown only in this response, store it now", example: "whsec_…" });
const IdParam = z.object({ id: z.string().min(1).max(100) });
const DeliveriesQuery = z.object({
  webhookId: z.string().min(1).max(100).optional().openapi({ description: "Only this endpoint's deliveries (a deleted endpoint's too)" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const webhookRoutes = router();
webhookRoutes.use("/webhooks", requireAgent, requireAdmin);
webhookRoutes.use("/webhooks/*", requireAgent, requireAdmin);

const tags = ["webhooks"];

webhookRoutes.openapi(
  createRoute({
    method: "get",
    path: "/webhooks/deliveries",
    tags,
    summary: "The delivery log, newest first: each event sent to an endpoint, pending, delivered or failed, with the last error",
    security: agentAuth,
    request: { query: DeliveriesQuery },
    responses: { 200: json(z.object({ deliveries: z.array(WebhookDelivery) }), "The log"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json({ deliveries: await listDeliveries(db(c.env.DB), c.req.valid("query")) }, 200),
);

webhookRoutes.openapi(
  createRoute({
    method: "get",
    path: "/webhooks",
    tags,
    summary: "The webhook endpoints (never their secrets)",
    security: agentAuth,
    responses: { 200: json(z.object({ webhooks: z.array(Webhook) }), "The endpoints"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json({ webhooks: await listWebhooks(db(c.env.DB)) }, 200),
);

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/webhooks",
    tags,
    summary: `Register an endpoint (at most ${MAX_WEBHOOKS}); the answer carries its signing secret, the only time it is shown`,
    security: agentAuth,
    request: { body: jsonBody(CreateWebhook, "The endpoint") },
    responses: { 201: json(z.object({ webhook: Webhook, secret: Secret }), "Registered"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const input = c.req.valid("json");
    assertOutgoingUrls({ url: input.url });
    return c.json(await createWebhook(c.env, db(c.env.DB), { ...input, enabled: input.enabled ?? true }), 201);
  },
);

webhookRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/webhooks/{id}",
    tags,
    summary: "Change an endpoint's address, events or whether it is enabled (the secret stays)",
    security: agentAuth,
    request: { params: IdParam, body: jsonBody(PatchWebhook, "The fields to change") },
    responses: { 200: json(z.object({ webhook: Webhook }), "Updated"), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
  }),
  async (c) => {
    const patch = c.req.valid("json");
    assertOutgoingUrls({ url: patch.url });
    return c.json({ webhook: await updateWebhook(db(c.env.DB), c.req.valid("param").id, patch) }, 200);
  },
);

webhookRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/webhooks/{id}",
    tags,
    summary: "Delete an endpoint: its pending deliveries fail, its delivery log stays",
    security: agentAuth,
    request: { params: IdParam },
    responses: { 204: { description: "Deleted" }, 401: errors[401], 403: errors[403], 404: errors[404] },
  }),
  async (c) => {
    await deleteWebhook(db(c.env.DB), c.req.valid("param").id);
    return c.body(null, 204);
  },
);

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/webhooks/{id}/secret",
    tags,
    summary: "Rotate the signing secret: the old one stops working at once, the new one is shown only here",
    security: agentAuth,
    request: { params: IdParam },
    responses: { 200: json(z.object({ secret: Secret }), "The new secret"), 401: errors[401], 403: errors[403], 404: errors[404] },
  }),
  async (c) => c.json({ secret: await rotateWebhookSecret(c.env, db(c.env.DB), c.req.valid("param").id) }, 200),
);
