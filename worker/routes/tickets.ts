// The agent's ticket API: the inbox list, a ticket with its customer, the thread, replies,
// status changes, and the ticket's WebSocket.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Channel, ClientId, AttachmentRef, Message, MessageBody, Profile, StoreEvent, Ticket, TicketStatus } from "../contract";
import type { AppEnv } from "../env";
import { db } from "../db/client";
import { requireAgent } from "../middleware/auth";
import { enforceLimit } from "../middleware/rate-limit";
import { agentExists } from "../lib/agents";
import { forwardUpgrade, refusal } from "../lib/conversations";
import { recentEvents } from "../lib/events";
import { ApiError, notFound } from "../lib/errors";
import { agentAuth, errors, json, jsonBody } from "../lib/openapi";
import { getProfile } from "../lib/profiles";
import { router } from "../lib/router";
import { conversationStub, inboxStub } from "../lib/stubs";
import { decodeCursor, listTickets, recentTicketsOf } from "../lib/tickets";

const RECENT_EVENTS = 20;
const RECENT_TICKETS = 10;
const TicketParam = z.object({ id: z.string().min(1).max(100) });

/** `?status=` (empty, as the contract writes it) means no filter. */
const filterParam = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const ListQuery = z.object({
  view: filterParam(z.enum(["inbox", "ai"])).openapi({ description: "`ai`: the conversations the AI agent handles without the team (admins; Parley extension). Default `inbox`." }),
  status: filterParam(TicketStatus),
  channel: filterParam(Channel),
  assignee: filterParam(z.string().min(1).max(100)).openapi({ description: "`me`, `unassigned` or an agent id" }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
});
const HistoryQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const Reply = z.object({ clientId: ClientId, body: MessageBody, attachments: z.array(AttachmentRef).max(10).optional() }).openapi("Reply");
const TicketPatch = z
  .object({
    status: TicketStatus.optional(),
    snoozeUntil: z.iso.datetime().nullable().optional(),
    assigneeId: z.string().min(1).max(100).nullable().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, "name at least one of status, snoozeUntil, assigneeId")
  .openapi("TicketPatch");


/**
 * The ticket as its conversation object knows it. Tickets no customer wrote in stay hidden;
 * those the AI agent handles without the team are for admins (the AI view).
 */
async function visibleTicket(c: Context<AppEnv>, id: string) {
  const stub = conversationStub(c.env, id);
  const record = await stub.record();
  const reachable = record && (record.visible || (record.handledByAi && c.var.agent.role === "admin"));
  if (!reachable) throw notFound("Ticket");
  const { visible: _, version: __, ...ticket } = record;
  return { stub, ticket };
}

export const ticketRoutes = router();
ticketRoutes.use("/tickets", requireAgent);
ticketRoutes.use("/tickets/*", requireAgent);

ticketRoutes.openapi(
  createRoute({
    method: "get",
    path: "/tickets",
    tags: ["tickets"],
    summary: "The inbox list, newest activity first",
    security: agentAuth,
    request: { query: ListQuery },
    responses: { 200: json(z.object({ tickets: z.array(Ticket), nextCursor: z.string().nullable() }), "A page of tickets"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const handledByAi = query.view === "ai";
    if (handledByAi && c.var.agent.role !== "admin") throw new ApiError(403, "forbidden", "Only admins see the AI agent's conversations.");
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor === null) throw new ApiError(400, "invalid_request", "cursor: not a cursor this API returned.");
    const assigneeId = query.assignee === undefined ? undefined : query.assignee === "me" ? c.var.agent.id : query.assignee === "unassigned" ? null : query.assignee;
    return c.json(await listTickets(db(c.env.DB), { handledByAi, status: query.status, channel: query.channel, assigneeId, limit: query.limit, cursor }), 200);
  },
);

ticketRoutes.openapi(
  createRoute({
    method: "get",
    path: "/tickets/{id}",
    tags: ["tickets"],
    summary: "A ticket with its customer's profile and newest events",
    security: agentAuth,
    request: { params: TicketParam },
    responses: {
      200: json(
        z.object({
          ticket: Ticket,
          profile: Profile.nullable(),
          events: z.array(StoreEvent),
          recentTickets: z.array(Ticket).openapi({ description: "The customer's newest tickets of every channel, this one included (Parley extension)" }),
        }),
        "The ticket",
      ),
      401: errors[401],
      404: errors[404],
    },
  }),
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
    return c.json({ ticket, profile, events: storeEvents, recentTickets: [ticket, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, RECENT_TICKETS) }, 200);
  },
);

ticketRoutes.openapi(
  createRoute({
    method: "get",
    path: "/tickets/{id}/messages",
    tags: ["tickets"],
    summary: "Messages before `before` (ascending seq), for loading older history",
    security: agentAuth,
    request: { params: TicketParam, query: HistoryQuery },
    responses: { 200: json(z.object({ messages: z.array(Message) }), "Messages"), 400: errors[400], 401: errors[401], 404: errors[404] },
  }),
  async (c) => {
    const { stub } = await visibleTicket(c, c.req.valid("param").id);
    const { before, limit } = c.req.valid("query");
    return c.json({ messages: await stub.history(before ?? null, limit) }, 200);
  },
);

ticketRoutes.openapi(
  createRoute({
    method: "post",
    path: "/tickets/{id}/messages",
    tags: ["tickets"],
    summary: "Reply; an unassigned ticket is assigned to the replying agent",
    description: "A repeated clientId is not stored again: the stored message comes back with 200.",
    security: agentAuth,
    request: { params: TicketParam, body: jsonBody(Reply, "The reply") },
    responses: {
      201: json(z.object({ message: Message }), "Stored and delivered"),
      200: json(z.object({ message: Message }), "Already stored (same clientId)"),
      400: errors[400],
      401: errors[401],
      404: errors[404],
      409: errors[409],
      429: errors[429],
    },
  }),
  async (c) => {
    const agent = c.var.agent;
    await enforceLimit(c, "SEND_LIMITER", [`agent:${agent.id}`]);
    const { stub } = await visibleTicket(c, c.req.valid("param").id);
    const result = await stub.post({ side: "agent", id: agent.id, name: agent.name }, c.req.valid("json"), new URL(c.req.url).origin);
    if (!result.ok) throw refusal(result);
    return c.json({ message: result.message }, result.duplicate ? 200 : 201);
  },
);

ticketRoutes.openapi(
  createRoute({
    method: "post",
    path: "/tickets/{id}/messages/{seq}/retry",
    tags: ["tickets"],
    summary: "Send a failed SMS again (Parley extension)",
    security: agentAuth,
    request: { params: TicketParam.extend({ seq: z.coerce.number().int().positive() }) },
    responses: { 200: json(z.object({ message: Message }), "Queued again"), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
  }),
  async (c) => {
    const { id, seq } = c.req.valid("param");
    const { stub } = await visibleTicket(c, id);
    const result = await stub.retrySms(seq);
    if (!result.ok) throw refusal(result);
    return c.json({ message: result.message }, 200);
  },
);

ticketRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/tickets/{id}",
    tags: ["tickets"],
    summary: "Change status (open, snoozed with snoozeUntil, closed) or assignee",
    security: agentAuth,
    request: { params: TicketParam, body: jsonBody(TicketPatch, "The changes") },
    responses: { 200: json(z.object({ ticket: Ticket }), "The ticket"), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
  }),
  async (c) => {
    const patch = c.req.valid("json");
    const { stub } = await visibleTicket(c, c.req.valid("param").id);
    if (patch.assigneeId && !(await agentExists(db(c.env.DB), patch.assigneeId))) {
      throw new ApiError(400, "invalid_request", "assigneeId: no agent has that id.");
    }
    const result = await stub.update(patch);
    if (!result.ok) throw refusal(result);
    return c.json({ ticket: result.ticket }, 200);
  },
);

ticketRoutes.get("/tickets/:id/ws", async (c) => {
  const { stub, ticket } = await visibleTicket(c, c.req.param("id"));
  const agent = c.var.agent;
  const response = await forwardUpgrade(stub, c.req.raw, { side: "agent", id: agent.id, name: agent.name, expiresAt: agent.sessionExpiresAt, session: agent.session });
  if (response.status === 101) c.executionCtx.waitUntil(inboxStub(c.env).noteSessionTicket(agent.session, ticket.id, agent.sessionExpiresAt));
  return response;
});
