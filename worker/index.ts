// The Parley Worker: one Hono app that composes each area's router under /api, generates the
// OpenAPI document from the same schemas, and exports the Durable Object classes.
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./env";
import { ApiError, errorBody } from "./lib/errors";
import { securityHeaders } from "./middleware/security-headers";
import { agentRoutes } from "./routes/agents";
import { aiRoutes } from "./routes/ai";
import { articleRoutes } from "./routes/articles";
import { authRoutes } from "./routes/auth";
import { credentialRoutes } from "./routes/credentials";
import { demoRoutes } from "./routes/demo";
import { eventRoutes } from "./routes/events";
import { faqRoutes } from "./routes/faqs";
import { healthRoutes } from "./routes/health";
import { inboxRoutes } from "./routes/inbox";
import { macroRoutes } from "./routes/macros";
import { notificationRoutes } from "./routes/notifications";
import { settingsRoutes } from "./routes/settings";
import { smsRoutes } from "./routes/sms";
import { ticketRoutes } from "./routes/tickets";
import { uploadRoutes } from "./routes/uploads";
import { webhookRoutes } from "./routes/webhooks";
import { widgetRoutes } from "./routes/widget";

export { Conversation } from "../durable-objects/Conversation";
export { Inbox } from "../durable-objects/Inbox";

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

app.route("/", healthRoutes);
app.route("/", demoRoutes);
for (const routes of [authRoutes, agentRoutes, widgetRoutes, ticketRoutes, inboxRoutes, settingsRoutes, faqRoutes, macroRoutes, articleRoutes, aiRoutes, credentialRoutes, notificationRoutes, eventRoutes, uploadRoutes, smsRoutes, webhookRoutes]) {
  app.route("/api", routes);
}

app.openAPIRegistry.registerComponent("securitySchemes", "session", { type: "apiKey", in: "cookie", name: "parley_session" });
app.openAPIRegistry.registerComponent("securitySchemes", "widgetToken", { type: "http", scheme: "bearer", description: "From POST /api/widget/session" });
app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer", description: "The API_KEY secret" });
app.doc31("/api/openapi.json", {
  openapi: "3.1.0",
  info: { title: "Parley API", version: "1.0.0", description: "Web chat and a shared support inbox. WebSocket frames are described in docs/api.md." },
});

export default app;
