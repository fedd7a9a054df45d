// Keys of the outside services admins connect (an LLM endpoint, Zendesk, Gorgias, Twilio):
// write-only. Routes tell whether each is set and for which host, never the key itself.
import { CredentialParam, CredentialStatuses, CredentialValue } from "../../../contract";
import { db } from "../../db/client";
import { requireAdmin } from "../../middleware/auth";
import { credentialStatuses, credentialUrl, deleteCredential, hostOf, saveCredential } from "../../lib/credentials";
import { ApiError } from "../../lib/errors";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { loadSettings } from "../../lib/settings";
import { defineRoute } from "../audience";

const tags = ["credentials"];

export const credentialRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/credentials",
      tags,
      summary: "Which keys of outside services (the AI agent's, Twilio's) are set, and for which host (never the keys)",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      responses: { 200: json(CredentialStatuses, "Whether each key is set"), 401: errors[401], 403: errors[403] },
    },
    async (c) => {
      const database = db(c.env.DB);
      return c.json(await credentialStatuses(database, await loadSettings(database)), 200);
    },
  ),
  defineRoute(
    {
      method: "put",
      path: "/api/credentials/{name}",
      tags,
      summary: "Set a key for the service's address as the settings name it now (stored encrypted, sealed to that host; never sent back)",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { params: CredentialParam, body: jsonBody(CredentialValue, "The key") },
      responses: { 204: { description: "Stored" }, 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => {
      const database = db(c.env.DB);
      const name = c.req.valid("param").name;
      const host = hostOf(credentialUrl(await loadSettings(database), name));
      // A key is only ever for the address it was entered with: that address comes first.
      if (!host)
        throw new ApiError(400, "invalid_request", `${name === "twilio" ? "sms.apiBaseUrl" : `ai.${name}.baseUrl`}: set the service's address before its key.`);
      await saveCredential(database, c.env, name, c.req.valid("json").value, host);
      return c.body(null, 204);
    },
  ),
  defineRoute(
    {
      method: "delete",
      path: "/api/credentials/{name}",
      tags,
      summary: "Forget a key",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { params: CredentialParam },
      responses: { 204: { description: "Forgotten" }, 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => {
      await deleteCredential(db(c.env.DB), c.req.valid("param").name);
      return c.body(null, 204);
    },
  ),
];
