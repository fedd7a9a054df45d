// Keys of the outside services admins connect (an LLM endpoint, Zendesk, Gorgias, Twilio):
// write-only. Routes tell whether each is set and for which host, never the key itself.
import { createRoute, z } from "@hono/zod-openapi";
import { db } from "../db/client";
import { requireAdmin, requireAgent } from "../middleware/auth";
import { CREDENTIAL_NAMES, credentialStatuses, credentialUrl, deleteCredential, hostOf, saveCredential } from "../lib/credentials";
import { ApiError } from "../lib/errors";
import { agentAuth, errors, json, jsonBody } from "../lib/openapi";
import { router } from "../lib/router";
import { loadSettings } from "../lib/settings";

const CredentialName = z.enum(CREDENTIAL_NAMES);
const CredentialStatus = z.object({
  set: z.boolean(),
  host: z.string().nullable().openapi({ description: "The host the key was entered for" }),
  matches: z.boolean().openapi({ description: "Whether that is the host the settings name now (else the key is not used)" }),
});
const Credentials = z.object(Object.fromEntries(CREDENTIAL_NAMES.map((name) => [name, CredentialStatus])) as Record<(typeof CREDENTIAL_NAMES)[number], typeof CredentialStatus>).openapi("Credentials");

export const credentialRoutes = router();
credentialRoutes.use("/credentials", requireAgent, requireAdmin);
credentialRoutes.use("/credentials/*", requireAgent, requireAdmin);

credentialRoutes.openapi(
  createRoute({
    method: "get",
    path: "/credentials",
    tags: ["credentials"],
    summary: "Which keys of outside services (the AI agent's, Twilio's) are set, and for which host (never the keys)",
    security: agentAuth,
    responses: { 200: json(Credentials, "Whether each key is set"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const database = db(c.env.DB);
    const [statuses, settings] = await Promise.all([credentialStatuses(database), loadSettings(database)]);
    const entries = CREDENTIAL_NAMES.map((name) => [name, { ...statuses[name], matches: statuses[name].set && statuses[name].host === hostOf(credentialUrl(settings, name)) }]);
    return c.json(Object.fromEntries(entries) as z.infer<typeof Credentials>, 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "put",
    path: "/credentials/{name}",
    tags: ["credentials"],
    summary: "Set a key for the service's address as the settings name it now (stored encrypted, sealed to that host; never sent back)",
    security: agentAuth,
    request: { params: z.object({ name: CredentialName }), body: jsonBody(z.object({ value: z.string().trim().min(1, "must not be empty").max(4000) }).strict().openapi("Credential"), "The key") },
    responses: { 204: { description: "Stored" }, 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const database = db(c.env.DB);
    const name = c.req.valid("param").name;
    const host = hostOf(credentialUrl(await loadSettings(database), name));
    // A key is only ever for the address it was entered with: that address comes first.
    if (!host) throw new ApiError(400, "invalid_request", `${name === "twilio" ? "sms.apiBaseUrl" : `ai.${name}.baseUrl`}: set the service's address before its key.`);
    await saveCredential(database, c.env, name, c.req.valid("json").value, host);
    return c.body(null, 204);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/credentials/{name}",
    tags: ["credentials"],
    summary: "Forget a key",
    security: agentAuth,
    request: { params: z.object({ name: CredentialName }) },
    responses: { 204: { description: "Forgotten" }, 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    await deleteCredential(db(c.env.DB), c.req.valid("param").name);
    return c.body(null, 204);
  },
);
