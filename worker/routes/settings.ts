import { createRoute } from "@hono/zod-openapi";
import { Settings, SettingsPatch } from "../contract";
import { db } from "../db/client";
import { requireAdmin, requireAgent } from "../middleware/auth";
import { agentAuth, errors, json, jsonBody } from "../lib/openapi";
import { assertOutgoingUrls } from "../lib/outgoing-url";
import { router } from "../lib/router";
import { loadSettings, patchSettings } from "../lib/settings";

export const settingsRoutes = router();
settingsRoutes.use("/settings", requireAgent, requireAdmin);

settingsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/settings",
    tags: ["settings"],
    summary: "The store's settings (admins)",
    security: agentAuth,
    responses: { 200: json(Settings, "Settings"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json(await loadSettings(db(c.env.DB)), 200),
);

settingsRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/settings",
    tags: ["settings"],
    summary: "Change any settings (admins); nested objects may be partial",
    security: agentAuth,
    request: { body: jsonBody(SettingsPatch, "The fields to change") },
    responses: { 200: json(Settings, "The whole settings object"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const patch = c.req.valid("json");
    assertOutgoingUrls({
      "ai.openai.baseUrl": patch.ai?.openai?.baseUrl,
      "ai.zendesk.baseUrl": patch.ai?.zendesk?.baseUrl,
      "ai.gorgias.baseUrl": patch.ai?.gorgias?.baseUrl,
      "sms.apiBaseUrl": patch.sms?.apiBaseUrl,
    });
    return c.json(await patchSettings(db(c.env.DB), patch), 200);
  },
);
