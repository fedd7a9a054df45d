// The store's server records customer events (orders, emails). Its one guard: the API key.
import { EventRecorded, EventRequest } from "../../../contract";
import { db } from "../../db/client";
import { requireApiKey } from "../../middleware/auth";
import { recordStoreEvent } from "../../lib/events";
import { apiKeyAuth, errors, json, jsonBody } from "../../lib/openapi";
import { audience, defineRoute } from "../audience";

const storeRoutes = [
  defineRoute(
    {
      method: "post",
      path: "/api/events",
      tags: ["store"],
      summary: "Record a customer event (e.g. Placed Order, Received Email); upserts the profile",
      security: apiKeyAuth,
      request: { body: jsonBody(EventRequest, "The profile and the event") },
      responses: { 202: json(EventRecorded, "Recorded"), 400: errors[400], 401: errors[401] },
    },
    async (c) => {
      const { profile, event } = c.req.valid("json");
      return c.json(await recordStoreEvent(db(c.env.DB), profile, event), 202);
    },
  ),
];

export const storeApi = audience(requireApiKey, storeRoutes);
