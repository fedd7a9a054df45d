// The store's settings (admins).
import { Settings, SettingsPatch } from "../../../contract";
import { db } from "../../db/client";
import { refreshEmbeddings } from "../../lib/ai/embedding-store";
import { requireAdmin } from "../../middleware/auth";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { assertOutgoingUrls } from "../../lib/outgoing-url";
import { forgetRecentSettings, loadSettings, patchSettings } from "../../lib/settings";
import { defineRoute } from "../audience";

export const settingsRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/settings",
      tags: ["settings"],
      summary: "The store's settings (admins)",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      responses: { 200: json(Settings, "Settings"), 401: errors[401], 403: errors[403] },
    },
    async (c) => c.json(await loadSettings(db(c.env.DB)), 200),
  ),
  defineRoute(
    {
      method: "patch",
      path: "/api/settings",
      tags: ["settings"],
      summary: "Change any settings (admins); nested objects may be partial",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { body: jsonBody(SettingsPatch, "The fields to change") },
      responses: { 200: json(Settings, "The whole settings object"), 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => {
      const patch = c.req.valid("json");
      assertOutgoingUrls({
        "ai.openai.baseUrl": patch.ai?.openai?.baseUrl,
        "ai.zendesk.baseUrl": patch.ai?.zendesk?.baseUrl,
        "ai.gorgias.baseUrl": patch.ai?.gorgias?.baseUrl,
        "sms.apiBaseUrl": patch.sms?.apiBaseUrl,
      });
      const saved = await patchSettings(db(c.env.DB), patch);
      // Conversations in this isolate see the change at once; elsewhere within SETTINGS_CACHE_MS.
      forgetRecentSettings(c.env);
      // Semantic ranking turned on or given another model: embed what lacks a current vector, after the response.
      if (patch.ai?.semantic) c.executionCtx.waitUntil(refreshEmbeddings(c.env, db(c.env.DB)));
      return c.json(saved, 200);
    },
  ),
];
