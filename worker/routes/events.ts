// Store integration: the store's server records customer events (orders, emails) by API key.
import { createRoute, z } from "@hono/zod-openapi";
import { db } from "../db/client";
import { requireApiKey } from "../middleware/auth";
import { recordStoreEvent } from "../lib/events";
import { apiKeyAuth, errors, json, jsonBody } from "../lib/openapi";
import { router } from "../lib/router";

const MAX_PROPERTIES_CHARS = 16 * 1024;

const EventRequest = z
  .object({
    profile: z.object({
      externalId: z.string().trim().min(1).max(200),
      email: z.email().max(320).optional(),
      phone: z.string().trim().min(1).max(40).optional(),
      name: z.string().trim().min(1).max(200).optional(),
    }),
    event: z.object({
      name: z.string().trim().min(1).max(200),
      value: z.number().finite().optional(),
      properties: z
        .record(z.string(), z.unknown())
        .refine((value) => JSON.stringify(value).length <= MAX_PROPERTIES_CHARS, `must be at most ${MAX_PROPERTIES_CHARS / 1024} KiB as JSON`)
        .optional(),
      occurredAt: z.iso.datetime().optional(),
    }),
  })
  .openapi("EventRequest");

export const eventRoutes = router();
eventRoutes.use("/events", requireApiKey);

eventRoutes.openapi(
  createRoute({
    method: "post",
    path: "/events",
    tags: ["store"],
    summary: "Record a customer event (e.g. Placed Order, Received Email); upserts the profile",
    security: apiKeyAuth,
    request: { body: jsonBody(EventRequest, "The profile and the event") },
    responses: { 202: json(z.object({ profileId: z.string(), eventId: z.string() }), "Recorded"), 400: errors[400], 401: errors[401] },
  }),
  async (c) => {
    const { profile, event } = c.req.valid("json");
    return c.json(await recordStoreEvent(db(c.env.DB), profile, event), 202);
  },
);
