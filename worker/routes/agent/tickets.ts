// The agent's tickets: the inbox list, a ticket with its customer, the thread, replies, status
// changes, and the ticket's WebSocket.
import type { Context } from "hono";
import {
  HistoryQuery,
  IdParam,
  MessageList,
  MessageResponse,
  Reply,
  RetryParam,
  TicketDetail,
  TicketListQuery,
  TicketPage,
  TicketPatch,
  TicketResponse,
} from "../../../contract";
import type { AppEnv } from "../../env";
import { db } from "../../db/client";
import { enforceLimit } from "../../middleware/rate-limit";
import { agentExists } from "../../lib/agents";
import { forwardUpgrade, refusal } from "../../lib/conversations";
import { recentEvents } from "../../lib/events";
import { ApiError, notFound } from "../../lib/errors";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { labelNamed, resolveLabelNames } from "../../lib/labels";
import { getProfile } from "../../lib/profiles";
import { conversationStub, inboxStub } from "../../lib/stubs";
import { decodeCursor, listTickets, recentTicketsOf } from "../../lib/tickets";
import { defineRoute, defineSocketRoute } from "../audience";

const RECENT_EVENTS = 20;
const RECENT_TICKETS = 10;
const tags = ["tickets"];

/**
 * The ticket as its conversation object knows it. Tickets no customer wrote in stay hidden;
 * those the AI agent handles without the team are for admins (the AI view).
 */
export async function visibleTicket(c: Context<AppEnv>, id: string) {
  const stub = conversationStub(c.env, id);
  const record = await stub.record();
  const reachable = record && (record.visible || (record.handledByAi && c.var.agent.role === "admin"));
  if (!reachable) throw notFound("Ticket");
  const { visible: _, version: __, ...ticket } = record;
  return { stub, ticket };
}

export const ticketRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/tickets",
      tags,
      summary: "The inbox list, newest activity first",
      security: agentAuth,
      request: { query: TicketListQuery },
      responses: { 200: json(TicketPage, "A page of tickets"), 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => {
      const query = c.req.valid("query");
      const handledByAi = query.view === "ai";
      if (handledByAi && c.var.agent.role !== "admin") throw new ApiError(403, "forbidden", "Only admins see the AI agent's conversations.");
      const mentionedAgentId = query.mentioned === "me" ? c.var.agent.id : undefined;
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (cursor === null) throw new ApiError(400, "invalid_request", "cursor: not a cursor this API returned.");
      const assigneeId =
        query.assignee === undefined ? undefined : query.assignee === "me" ? c.var.agent.id : query.assignee === "unassigned" ? null : query.assignee;
      const label = query.label === undefined ? undefined : await labelNamed(db(c.env.DB), query.label, "label");
      return c.json(
        await listTickets(db(c.env.DB), {
          handledByAi,
          status: query.status,
          channel: query.channel,
          assigneeId,
          mentionedAgentId,
          label,
          limit: query.limit,
          cursor,
        }),
        200,
      );
    },
  ),
  defineRoute(
    {
      method: "get",
      path: "/api/tickets/{id}",
      tags,
      summary: "A ticket with its customer's profile and newest events",
      security: agentAuth,
      request: { params: IdParam },
      responses: { 200: json(TicketDetail, "The ticket"), 401: errors[401], 404: errors[404] },
    },
    async (c) => {
      const { ticket } = await visibleTicket(c, c.req.valid("param").id);
      const database = db(c.env.DB);
      const [profile, storeEvents, recentTickets] = await Promise.all([
        getProfile(database, ticket.profileId),
        recentEvents(database, ticket.profileId, RECENT_EVENTS),
        recentTicketsOf(database, ticket.profileId, RECENT_TICKETS),
      ]);
      // D1's copy of this ticket may lag behind its object's: the object's is the one shown.
      const others = recentTickets.filter((recent) => recent.id !== ticket.id);
      return c.json(
        {
          ticket,
          profile,
          events: storeEvents,
          recentTickets: [ticket, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, RECENT_TICKETS),
        },
        200,
      );
    },
  ),
  defineRoute(
    {
      method: "get",
      path: "/api/tickets/{id}/messages",
      tags,
      summary: "Messages before `before` (ascending seq), for loading older history",
      security: agentAuth,
      request: { params: IdParam, query: HistoryQuery },
      responses: { 200: json(MessageList, "Messages"), 400: errors[400], 401: errors[401], 404: errors[404] },
    },
    async (c) => {
      const { stub } = await visibleTicket(c, c.req.valid("param").id);
      const { before, limit } = c.req.valid("query");
      return c.json({ messages: await stub.history(before ?? null, limit) }, 200);
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/tickets/{id}/messages",
      tags,
      summary: "Reply; an unassigned ticket is assigned to the replying agent",
      description: "A repeated clientId is not stored again: the stored message comes back with 200.",
      security: agentAuth,
      request: { params: IdParam, body: jsonBody(Reply, "The reply") },
      responses: {
        201: json(MessageResponse, "Stored and delivered"),
        200: json(MessageResponse, "Already stored (same clientId)"),
        400: errors[400],
        401: errors[401],
        404: errors[404],
        409: errors[409],
        429: errors[429],
      },
    },
    async (c) => {
      const agent = c.var.agent;
      await enforceLimit(c, "SEND_LIMITER", [`agent:${agent.id}`]);
      const { stub } = await visibleTicket(c, c.req.valid("param").id);
      const result = await stub.post({ side: "agent", id: agent.id, name: agent.name }, c.req.valid("json"), new URL(c.req.url).origin);
      if (!result.ok) throw refusal(result);
      return c.json({ message: result.message }, result.duplicate ? 200 : 201);
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/tickets/{id}/messages/{seq}/retry",
      tags,
      summary: "Send a failed SMS again (Parley extension)",
      security: agentAuth,
      request: { params: RetryParam },
      responses: { 200: json(MessageResponse, "Queued again"), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
    },
    async (c) => {
      const { id, seq } = c.req.valid("param");
      const { stub } = await visibleTicket(c, id);
      const result = await stub.retrySms(seq);
      if (!result.ok) throw refusal(result);
      return c.json({ message: result.message }, 200);
    },
  ),
  defineRoute(
    {
      method: "patch",
      path: "/api/tickets/{id}",
      tags,
      summary: "Change status (open, snoozed with snoozeUntil, closed), assignee or labels",
      security: agentAuth,
      request: { params: IdParam, body: jsonBody(TicketPatch, "The changes") },
      responses: { 200: json(TicketResponse, "The ticket"), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
    },
    async (c) => {
      const patch = c.req.valid("json");
      const { stub } = await visibleTicket(c, c.req.valid("param").id);
      if (patch.assigneeId && !(await agentExists(db(c.env.DB), patch.assigneeId))) {
        throw new ApiError(400, "invalid_request", "assigneeId: no agent has that id.");
      }
      const labels = patch.labels && (await resolveLabelNames(db(c.env.DB), patch.labels));
      if (labels && "unknown" in labels)
        throw new ApiError(400, "invalid_request", `labels: no label is named ${labels.unknown.map((name) => `"${name}"`).join(", ")}.`);
      const result = await stub.update({ ...patch, labels: labels?.names });
      if (!result.ok) throw refusal(result);
      return c.json({ ticket: result.ticket }, 200);
    },
  ),
  defineSocketRoute(
    {
      method: "get",
      path: "/api/tickets/{id}/ws",
      tags,
      summary: "The agent's WebSocket on a ticket (frames: docs/api.md); `?after=<seq>` resumes",
      security: agentAuth,
      request: { params: IdParam },
    },
    async (c) => {
      const { stub, ticket } = await visibleTicket(c, c.req.valid("param").id);
      const agent = c.var.agent;
      const response = await forwardUpgrade(stub, c.req.raw, {
        side: "agent",
        id: agent.id,
        name: agent.name,
        expiresAt: agent.sessionExpiresAt,
        session: agent.session,
      });
      if (response.status === 101) c.executionCtx.waitUntil(inboxStub(c.env).noteSessionTicket(agent.session, ticket.id, agent.sessionExpiresAt));
      return response;
    },
  ),
];
