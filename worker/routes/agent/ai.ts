// The AI agent's admin API (Parley extension): a "try it" that shows what it would answer and
// why, and the log of handoffs to help desks. Its services' keys are in ./credentials.ts.
import { AiHandoffList, AiTryRequest, AiTryResult } from "../../../contract";
import { db } from "../../db/client";
import { requireAdmin } from "../../middleware/auth";
import { tryAnswer } from "../../lib/ai/agent";
import { ApiError } from "../../lib/errors";
import { listHandoffs } from "../../lib/handoff/log";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { findProfileByExternalId } from "../../lib/profiles";
import { loadSettings } from "../../lib/settings";
import { defineRoute } from "../audience";

export const aiRoutes = [
  defineRoute(
    {
      method: "post",
      path: "/api/ai/try",
      tags: ["ai"],
      summary: "What the AI agent would answer, and why: its decision, confidence and the passages it weighed",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { body: jsonBody(AiTryRequest, "A question, and optionally the customer asking and their locale") },
      responses: { 200: json(AiTryResult, "The decision"), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    },
    async (c) => {
      const { question, customerId, locale } = c.req.valid("json");
      const database = db(c.env.DB);
      const profile = customerId === undefined ? null : await findProfileByExternalId(database, customerId);
      if (customerId !== undefined && !profile) throw new ApiError(404, "not_found", "customerId: no customer has that store id.");
      const settings = await loadSettings(database);
      return c.json(await tryAnswer({ env: c.env, database, ai: settings.ai, question, profileId: profile?.id ?? null, locale: locale ?? null }), 200);
    },
  ),
  defineRoute(
    {
      method: "get",
      path: "/api/ai/handoffs",
      tags: ["ai"],
      summary: "Handoffs to Zendesk or Gorgias, newest first: pending, delivered or failed, with the last error",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      responses: { 200: json(AiHandoffList, "The log"), 401: errors[401], 403: errors[403] },
    },
    async (c) => c.json({ handoffs: await listHandoffs(db(c.env.DB), 100) }, 200),
  ),
];
