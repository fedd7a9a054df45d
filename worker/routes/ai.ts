// The AI agent's admin API (Parley extension): a "try it" that shows what it would answer and
// why, and the log of handoffs to help desks. Its services' keys are in routes/credentials.ts.
import { createRoute, z } from "@hono/zod-openapi";
import { AiSource } from "../contract";
import { db } from "../db/client";
import { requireAdmin, requireAgent } from "../middleware/auth";
import { tryAnswer } from "../lib/ai/agent";
import { ApiError } from "../lib/errors";
import { listHandoffs } from "../lib/handoff/log";
import { agentAuth, errors, json, jsonBody } from "../lib/openapi";
import { findProfileByExternalId } from "../lib/profiles";
import { router } from "../lib/router";
import { loadSettings } from "../lib/settings";

const TryRequest = z
  .object({
    question: z.string().trim().min(1, "ask something").max(4000),
    customerId: z.string().trim().min(1).max(200).optional().openapi({ description: "A store customer id (externalId): answer as if this customer asked" }),
  })
  .strict()
  .openapi("AiTryRequest");
const Candidate = AiSource.extend({ confidence: z.number() });
const TryResult = z
  .object({
    decision: z.enum(["answer", "handoff"]),
    text: z.string().nullable(),
    reason: z.string().nullable(),
    detail: z.string(),
    confidence: z.number(),
    threshold: z.number(),
    provider: z.string(),
    sources: z.array(AiSource),
    candidates: z.array(Candidate),
  })
  .openapi("AiTryResult");
const Handoff = z
  .object({
    ticketId: z.string(),
    target: z.enum(["zendesk", "gorgias"]),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    externalId: z.string().nullable(),
    summary: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("AiHandoff");

export const aiRoutes = router();
aiRoutes.use("/ai/*", requireAgent, requireAdmin);

aiRoutes.openapi(
  createRoute({
    method: "post",
    path: "/ai/try",
    tags: ["ai"],
    summary: "What the AI agent would answer, and why: its decision, confidence and the passages it weighed",
    security: agentAuth,
    request: { body: jsonBody(TryRequest, "A question, and optionally the customer asking") },
    responses: { 200: json(TryResult, "The decision"), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
  }),
  async (c) => {
    const { question, customerId } = c.req.valid("json");
    const database = db(c.env.DB);
    const profile = customerId === undefined ? null : await findProfileByExternalId(database, customerId);
    if (customerId !== undefined && !profile) throw new ApiError(404, "not_found", "customerId: no customer has that store id.");
    const settings = await loadSettings(database);
    return c.json(await tryAnswer({ env: c.env, database, ai: settings.ai, question, profileId: profile?.id ?? null }), 200);
  },
);

aiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/ai/handoffs",
    tags: ["ai"],
    summary: "Handoffs to Zendesk or Gorgias, newest first: pending, delivered or failed, with the last error",
    security: agentAuth,
    responses: { 200: json(z.object({ handoffs: z.array(Handoff) }), "The log"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json({ handoffs: await listHandoffs(db(c.env.DB), 100) }, 200),
);
