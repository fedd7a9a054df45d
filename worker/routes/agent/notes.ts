// The team's private notes on a ticket (spec v2 "Notes, mentions, labels"): stored in D1, live to
// the agents on the ticket's socket, and a mention frame to each mentioned agent's inbox. Nothing
// here goes near what the customer sees.
import type { Context } from "hono";
import { IdParam, NoteInput, NoteList, NoteResponse, type MentionFrame, type NoteT } from "../../../contract";
import type { AppEnv } from "../../env";
import { db } from "../../db/client";
import { enforceLimit } from "../../middleware/rate-limit";
import { listAgents } from "../../lib/agents";
import { createNote, listNotes } from "../../lib/notes";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { inboxStub } from "../../lib/stubs";
import { defineRoute } from "../audience";
import { visibleTicket } from "./tickets";

const tags = ["notes"];

/**
 * The note is stored: the agents on the ticket and the mentioned agents hear of it. A socket that
 * misses it loses nothing (the inbox loads notes with the ticket), so a failure is logged, not
 * the request's.
 */
async function announce(c: Context<AppEnv>, stub: Awaited<ReturnType<typeof visibleTicket>>["stub"], note: NoteT): Promise<void> {
  const inbox = inboxStub(c.env);
  const mention = (agentId: string) => inbox.sendToAgent(agentId, { type: "mention", ticketId: note.ticketId, noteId: note.id } satisfies MentionFrame);
  const results = await Promise.allSettled([stub.sendNote(note), ...note.mentions.map(mention)]);
  for (const result of results) if (result.status === "rejected") console.warn(`note ${note.id}: a live frame was not sent`, result.reason);
}

export const noteRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/tickets/{id}/notes",
      tags,
      summary: "The ticket's private notes, oldest first",
      security: agentAuth,
      request: { params: IdParam },
      responses: { 200: json(NoteList, "Notes"), 401: errors[401], 404: errors[404] },
    },
    async (c) => {
      const { ticket } = await visibleTicket(c, c.req.valid("param").id);
      return c.json({ notes: await listNotes(db(c.env.DB), ticket.id) }, 200);
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/tickets/{id}/notes",
      tags,
      summary: "Write a private note (closed tickets too); `@Name` or `@email` mentions an agent",
      description: "A repeated clientId is not stored again: the stored note comes back with 200.",
      security: agentAuth,
      request: { params: IdParam, body: jsonBody(NoteInput, "The note") },
      responses: {
        201: json(NoteResponse, "Stored and sent to the agents on the ticket"),
        200: json(NoteResponse, "Already stored (same clientId)"),
        400: errors[400],
        401: errors[401],
        404: errors[404],
        429: errors[429],
      },
    },
    async (c) => {
      const agent = c.var.agent;
      await enforceLimit(c, "SEND_LIMITER", [`agent:${agent.id}`]);
      const { stub, ticket } = await visibleTicket(c, c.req.valid("param").id);
      const { clientId, body } = c.req.valid("json");
      const database = db(c.env.DB);
      const { note, duplicate } = await createNote(
        database,
        { ticketId: ticket.id, clientId, body, author: { id: agent.id, name: agent.name } },
        await listAgents(database),
      );
      if (duplicate) return c.json({ note }, 200);
      await announce(c, stub, note);
      return c.json({ note }, 201);
    },
  ),
];
