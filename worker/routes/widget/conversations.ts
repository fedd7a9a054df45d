// The shopper's conversations: the open web chat, starting one, and its socket.
import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import {
  ActiveTicketQuery,
  ActiveTicketResponse,
  CustomerSocketQuery,
  RatingRequest,
  RatingResponse,
  shippedLocale,
  StartConversationRequest,
  TicketResponse,
  UnratedTicketResponse,
} from "../../../contract";
import type { WidgetIdentity } from "../../env";
import { db } from "../../db/client";
import { requireWidgetToken, widgetFromToken } from "../../middleware/auth";
import { currentOpenTicket, forwardUpgrade, openTicket, refusal } from "../../lib/conversations";
import { ApiError } from "../../lib/errors";
import { errors, json, jsonBody, widgetAuth } from "../../lib/openapi";
import { conversationStub } from "../../lib/stubs";
import { unratedTicket } from "../../lib/tickets";
import { defineRoute, defineSocketRoute } from "../audience";

/**
 * The body is optional, and v1 clients send none, some of them with `Content-Type:
 * application/json` all the same: an empty body is no body, not malformed JSON.
 */
const emptyBodyIsNone = createMiddleware(async (c, next) => {
  if (c.req.header("Content-Length") === "0" && c.req.header("Content-Type")) {
    const headers = new Headers(c.req.raw.headers);
    headers.delete("Content-Type");
    c.req.raw = new Request(c.req.raw, { headers });
  }
  await next();
});

function customerOf(identity: WidgetIdentity) {
  if (identity.kind !== "customer") throw new ApiError(403, "login_required", "Log in to the store to chat with us.");
  return identity;
}

export const conversationRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/widget/conversations/active",
      tags: ["widget"],
      summary: "The customer's open web chat ticket",
      description: "Without an open chat: `404 not_found`, or with `?missing=null` `200 {ticket: null}` (Parley extension).",
      security: widgetAuth,
      middleware: [requireWidgetToken] as const,
      request: { query: ActiveTicketQuery },
      responses: {
        200: json(ActiveTicketResponse, "The open ticket; `{ticket: null}` when there is none and the query asked for it"),
        400: errors[400],
        401: errors[401],
        404: errors[404],
      },
    },
    async (c) => {
      const identity = c.var.widget;
      const ticket = identity.kind === "customer" ? await currentOpenTicket(c.env, db(c.env.DB), identity.profileId, "webchat") : null;
      if (ticket) return c.json({ ticket }, 200);
      if (c.req.valid("query").missing === "null") return c.json({ ticket: null }, 200);
      throw new ApiError(404, "not_found", "No open conversation.");
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/widget/conversations",
      tags: ["widget"],
      summary: "Start a chat, or get the customer's open one",
      security: widgetAuth,
      middleware: [requireWidgetToken, emptyBodyIsNone] as const,
      request: { body: { ...jsonBody(StartConversationRequest, "Optional: the shopper's language"), required: false } },
      responses: {
        200: json(TicketResponse, "The already-open ticket"),
        201: json(TicketResponse, "A new ticket"),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        429: errors[429],
      },
    },
    async (c) => {
      const customer = customerOf(c.var.widget);
      if (!c.var.settings.webchatEnabled) throw new ApiError(403, "chat_disabled", "Web chat is switched off for this store.");
      const { locale } = c.req.valid("json");
      const { ticket, created } = await openTicket(c.env, db(c.env.DB), { id: customer.profileId, name: customer.name }, "webchat", {
        limited: true,
        // Given, it is the chat's language from now on (null: one Parley does not ship, the default texts).
        locale: locale === undefined ? undefined : shippedLocale(locale),
      });
      return created ? c.json({ ticket }, 201) : c.json({ ticket }, 200);
    },
  ),
  defineRoute(
    {
      method: "get",
      path: "/api/widget/conversations/unrated",
      tags: ["widget"],
      summary: "The web chat the widget may still ask the customer to rate (Parley extension)",
      description:
        "With CSAT on: the customer's newest web chat, if it closed within the past 7 days and has no rating, so that a shopper who left comes back to the question. Otherwise `{ticket: null}`.",
      security: widgetAuth,
      middleware: [requireWidgetToken] as const,
      responses: { 200: json(UnratedTicketResponse, "The ticket to ask about, or null"), 401: errors[401] },
    },
    async (c) => {
      const identity = c.var.widget;
      if (identity.kind !== "customer" || !c.var.settings.csat.enabled) return c.json({ ticket: null }, 200);
      return c.json({ ticket: await unratedTicket(db(c.env.DB), identity.profileId, Date.now()) }, 200);
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/widget/conversations/{ticketId}/rating",
      tags: ["widget"],
      summary: "The customer rates their closed chat, once: 1 to 5, with an optional comment",
      description:
        "Only the ticket's own customer (`403 forbidden`), once it has closed (`409 not_closed`), within 7 days of the close (`403 forbidden`), and once (`409 already_exists`).",
      security: widgetAuth,
      middleware: [requireWidgetToken] as const,
      request: { params: z.object({ ticketId: z.string().min(1).max(100) }), body: jsonBody(RatingRequest, "The score and an optional comment") },
      responses: {
        201: json(RatingResponse, "The rating"),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
        409: errors[409],
      },
    },
    async (c) => {
      const customer = customerOf(c.var.widget);
      const result = await conversationStub(c.env, c.req.valid("param").ticketId).rate(customer.profileId, c.req.valid("json"));
      if (!result.ok) throw refusal(result);
      return c.json({ rating: result.rating }, 201);
    },
  ),
  defineSocketRoute(
    {
      method: "get",
      path: "/api/widget/conversations/{ticketId}/ws",
      tags: ["widget"],
      summary: "The customer's WebSocket on their ticket (frames: docs/api.md); the token rides in the query",
      request: { params: z.object({ ticketId: z.string().min(1).max(100) }), query: CustomerSocketQuery },
    },
    async (c) => {
      const identity = await widgetFromToken(c.env, c.req.valid("query").token);
      if (!identity) throw new ApiError(401, "unauthorized", "Missing, invalid or expired widget token.");
      const customer = customerOf(identity);
      return forwardUpgrade(conversationStub(c.env, c.req.valid("param").ticketId), c.req.raw, {
        side: "customer",
        id: customer.profileId,
        name: customer.name,
        expiresAt: customer.expiresAt,
      });
    },
  ),
];
