// The Parley Worker: one Hono app that composes the routes of each audience (each behind its one
// guard), generates the OpenAPI document from the same schemas, and exports the Durable Objects.
// Email Routing's mail comes to the email() handler (inbound-email.ts).
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./env";
import { handleEmail } from "./inbound-email";
import { ApiError, errorBody } from "./lib/errors";
import { securityHeaders } from "./middleware/security-headers";
import { agentApi } from "./routes/agent";
import { demoApp } from "./routes/demo";
import { emailLinkApi } from "./routes/machine/email-links";
import { storeApi } from "./routes/machine/store";
import { shopifyApi } from "./routes/machine/shopify";
import { twilioApi } from "./routes/machine/twilio";
import { publicApi } from "./routes/public";
import { signInApi } from "./routes/sign-in";
import { uploadApi } from "./routes/uploads";
import { widgetApi } from "./routes/widget";

export { Conversation } from "../durable-objects/conversation/Conversation";
export { Inbox } from "../durable-objects/inbox/Inbox";

const app = new OpenAPIHono<AppEnv>();
app.use(securityHeaders);

app.onError((error, c) => {
  if (error instanceof ApiError) return c.json(errorBody(error.code, error.message), error.status, error.headers);
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own validators throw these, e.g. for a body that is not JSON at all.
    return c.json(errorBody("invalid_request", error.message || "The request is malformed."), 400);
  }
  console.error(error);
  return c.json(errorBody("internal_error", "Something went wrong on our side; try again."), 500);
});

app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}.`), 404));

// Store pages, agents, signing in, uploads, the store's server, Twilio, email links, anyone.
for (const api of [widgetApi, agentApi, signInApi, uploadApi, storeApi, shopifyApi, twilioApi, emailLinkApi, publicApi]) app.route("/", api);
app.route("/demo", demoApp);

app.openAPIRegistry.registerComponent("securitySchemes", "session", { type: "apiKey", in: "cookie", name: "parley_session" });
app.openAPIRegistry.registerComponent("securitySchemes", "widgetToken", { type: "http", scheme: "bearer", description: "From POST /api/widget/session" });
app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer", description: "The API_KEY secret" });
app.doc31("/api/openapi.json", {
  openapi: "3.1.0",
  info: { title: "Parley API", version: "1.0.0", description: "Web chat and a shared support inbox. WebSocket frames are described in docs/api.md." },
});

export { app };

export default {
  fetch: app.fetch,
  email: handleEmail,
} satisfies ExportedHandler<Env>;
