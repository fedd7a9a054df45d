// The storefront widget's API: public config, identity, and the customer's conversations.
import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { etag } from "hono/etag";
import { Ticket, WidgetConfig } from "../contract";
import { db } from "../db/client";
import { faqs } from "../db/schema";
import { requireWidgetToken, widgetFromToken } from "../middleware/auth";
import { widgetCors, withSettings } from "../middleware/origin";
import { clientIp, limitBy } from "../middleware/rate-limit";
import { currentOpenTicket, forwardUpgrade, openTicket } from "../lib/conversations";
import { verifyHmacHex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { isOpenNow } from "../lib/office-hours";
import { errors, json, jsonBody, widgetAuth } from "../lib/openapi";
import { upsertProfile } from "../lib/profiles";
import { router } from "../lib/router";
import { conversationStub } from "../lib/stubs";
import { issueWidgetToken } from "../lib/widget-token";
import type { WidgetIdentity } from "../env";

const SessionRequest = z
  .object({
    customer: z
      .object({
        id: z.string().trim().min(1).max(200),
        email: z.email().max(320).optional(),
        name: z.string().trim().min(1).max(200).optional(),
        phone: z.string().trim().min(1).max(40).optional(),
      })
      .optional(),
    // Any string: a wrong one, whatever its length, is a wrong identity (401), not a bad request.
    userHash: z.string().max(100_000).optional(),
  })
  .openapi("WidgetSessionRequest");
const SessionResponse = z.object({ token: z.string(), expiresAt: z.string(), profileId: z.string().nullable() }).openapi("WidgetSession");
const TicketBody = z.object({ ticket: Ticket }).openapi("TicketResponse");

function customerOf(identity: WidgetIdentity) {
  if (identity.kind !== "customer") throw new ApiError(403, "login_required", "Log in to the store to chat with us.");
  return identity;
}

export const widgetRoutes = router();
widgetRoutes.use("/widget/*", withSettings, widgetCors);
widgetRoutes.use("/widget/conversations", requireWidgetToken);
widgetRoutes.use("/widget/conversations/active", requireWidgetToken);

widgetRoutes.get("/widget/config", etag());
widgetRoutes.openapi(
  createRoute({
    method: "get",
    path: "/widget/config",
    tags: ["widget"],
    summary: "Public widget configuration (no personal data)",
    responses: { 200: json(WidgetConfig, "Config"), 403: errors[403] },
  }),
  async (c) => {
    const settings = c.var.settings;
    const published = await db(c.env.DB)
      .select({ id: faqs.id, question: faqs.question, answer: faqs.answer })
      .from(faqs)
      .where(eq(faqs.published, true))
      .orderBy(asc(faqs.position), asc(faqs.createdAt));
    const open = isOpenNow(settings.officeHours);
    // Cacheable, but revalidated each time so that a settings change shows at once.
    c.header("Cache-Control", "public, no-cache");
    return c.json(
      {
        enabled: settings.webchatEnabled,
        loginStatus: settings.loginStatus,
        welcomeMessage: settings.welcomeMessage,
        faqs: published,
        links: settings.links,
        officeHours: { open, message: open ? null : settings.officeHours.closedMessage },
        ai: { enabled: settings.ai.enabled },
      },
      200,
    );
  },
);

widgetRoutes.openapi(
  createRoute({
    method: "post",
    path: "/widget/session",
    tags: ["widget"],
    summary: "Identify the shopper (HMAC) or get an anonymous token",
    middleware: [limitBy("SESSION_LIMITER", (c) => [`ip:${clientIp(c)}`])] as const,
    request: { body: jsonBody(SessionRequest, "The store's customer and its userHash, or {} for an anonymous token") },
    responses: { 200: json(SessionResponse, "A widget token"), 400: errors[400], 401: errors[401], 429: errors[429] },
  }),
  async (c) => {
    const { customer, userHash } = c.req.valid("json");
    if (!customer) {
      if (userHash !== undefined) throw new ApiError(400, "invalid_request", "customer: required when userHash is given.");
      return c.json({ ...(await issueWidgetToken(c.env.IDENTITY_SECRET, null)), profileId: null }, 200);
    }
    if (!userHash || !(await verifyHmacHex(c.env.IDENTITY_SECRET, customer.id, userHash))) {
      throw new ApiError(401, "invalid_identity", "userHash does not match this customer; compute it on your server with IDENTITY_SECRET.");
    }
    const profile = await upsertProfile(db(c.env.DB), { externalId: customer.id, email: customer.email, name: customer.name, phone: customer.phone }, "browser");
    const issued = await issueWidgetToken(c.env.IDENTITY_SECRET, { profileId: profile.id, externalId: customer.id, name: profile.name });
    return c.json({ ...issued, profileId: profile.id }, 200);
  },
);

widgetRoutes.openapi(
  createRoute({
    method: "get",
    path: "/widget/conversations/active",
    tags: ["widget"],
    summary: "The customer's open web chat ticket",
    security: widgetAuth,
    responses: { 200: json(TicketBody, "The open ticket"), 401: errors[401], 404: errors[404] },
  }),
  async (c) => {
    const identity = c.var.widget;
    const ticket = identity.kind === "customer" ? await currentOpenTicket(c.env, db(c.env.DB), identity.profileId, "webchat") : null;
    if (!ticket) throw new ApiError(404, "not_found", "No open conversation.");
    return c.json({ ticket }, 200);
  },
);

widgetRoutes.openapi(
  createRoute({
    method: "post",
    path: "/widget/conversations",
    tags: ["widget"],
    summary: "Start a chat, or get the customer's open one",
    security: widgetAuth,
    responses: { 200: json(TicketBody, "The already-open ticket"), 201: json(TicketBody, "A new ticket"), 401: errors[401], 403: errors[403], 429: errors[429] },
  }),
  async (c) => {
    const customer = customerOf(c.var.widget);
    if (!c.var.settings.webchatEnabled) throw new ApiError(403, "chat_disabled", "Web chat is switched off for this store.");
    const { ticket, created } = await openTicket(c.env, db(c.env.DB), { id: customer.profileId, name: customer.name }, "webchat", { limited: true });
    return created ? c.json({ ticket }, 201) : c.json({ ticket }, 200);
  },
);

widgetRoutes.get("/widget/conversations/:ticketId/ws", async (c) => {
  const identity = await widgetFromToken(c.env, c.req.query("token"));
  if (!identity) throw new ApiError(401, "unauthorized", "Missing, invalid or expired widget token.");
  const customer = customerOf(identity);
  return forwardUpgrade(conversationStub(c.env, c.req.param("ticketId")), c.req.raw, {
    side: "customer",
    id: customer.profileId,
    name: customer.name,
    expiresAt: customer.expiresAt,
  });
});
