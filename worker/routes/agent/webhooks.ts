// Outgoing webhooks (admins): the endpoints, their signing secrets (shown once, when created or
// rotated) and the delivery log. Deliveries themselves go out from each ticket's object, which
// knows the endpoints from recentWebhooks: a change here is seen there at once in this isolate.
import {
  IdParam,
  WebhookCreate,
  WebhookCreated,
  WebhookDeliveriesQuery,
  WebhookDeliveryList,
  WebhookList,
  WebhookPatch,
  WebhookResponse,
  WebhookSecret,
} from "../../../contract";
import { db } from "../../db/client";
import { requireAdmin } from "../../middleware/auth";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { assertOutgoingUrls } from "../../lib/outgoing-url";
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  MAX_WEBHOOKS,
  recentWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from "../../lib/webhooks/endpoints";
import { defineRoute } from "../audience";

const tags = ["webhooks"];
const admins = { security: agentAuth, middleware: [requireAdmin] };

export const webhookRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/webhooks/deliveries",
      tags,
      summary: "The delivery log, newest first: each event sent to an endpoint, pending, delivered or failed, with the last error",
      ...admins,
      request: { query: WebhookDeliveriesQuery },
      responses: { 200: json(WebhookDeliveryList, "The log"), 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => c.json({ deliveries: await listDeliveries(db(c.env.DB), c.req.valid("query")) }, 200),
  ),
  defineRoute(
    {
      method: "get",
      path: "/api/webhooks",
      tags,
      summary: "The webhook endpoints (never their secrets)",
      ...admins,
      responses: { 200: json(WebhookList, "The endpoints"), 401: errors[401], 403: errors[403] },
    },
    async (c) => c.json({ webhooks: await listWebhooks(db(c.env.DB)) }, 200),
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/webhooks",
      tags,
      summary: `Register an endpoint (at most ${MAX_WEBHOOKS}); the answer carries its signing secret, the only time it is shown`,
      ...admins,
      request: { body: jsonBody(WebhookCreate, "The endpoint") },
      responses: { 201: json(WebhookCreated, "Registered"), 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => {
      const input = c.req.valid("json");
      assertOutgoingUrls({ url: input.url });
      const created = await createWebhook(c.env, db(c.env.DB), { ...input, enabled: input.enabled ?? true });
      recentWebhooks(c.env).clear();
      return c.json(created, 201);
    },
  ),
  defineRoute(
    {
      method: "patch",
      path: "/api/webhooks/{id}",
      tags,
      summary: "Change an endpoint's address, events or whether it is enabled (the secret stays)",
      ...admins,
      request: { params: IdParam, body: jsonBody(WebhookPatch, "The fields to change") },
      responses: { 200: json(WebhookResponse, "Updated"), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    },
    async (c) => {
      const patch = c.req.valid("json");
      assertOutgoingUrls({ url: patch.url });
      const webhook = await updateWebhook(db(c.env.DB), c.req.valid("param").id, patch);
      recentWebhooks(c.env).clear();
      return c.json({ webhook }, 200);
    },
  ),
  defineRoute(
    {
      method: "delete",
      path: "/api/webhooks/{id}",
      tags,
      summary: "Delete an endpoint: its pending deliveries fail, its delivery log stays",
      ...admins,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, 401: errors[401], 403: errors[403], 404: errors[404] },
    },
    async (c) => {
      await deleteWebhook(db(c.env.DB), c.req.valid("param").id);
      recentWebhooks(c.env).clear();
      return c.body(null, 204);
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/webhooks/{id}/secret",
      tags,
      summary: "Rotate the signing secret: the old one stops working at once, the new one is shown only here",
      ...admins,
      request: { params: IdParam },
      responses: { 200: json(WebhookSecret, "The new secret"), 401: errors[401], 403: errors[403], 404: errors[404] },
    },
    async (c) => c.json({ secret: await rotateWebhookSecret(c.env, db(c.env.DB), c.req.valid("param").id) }, 200),
  ),
];
