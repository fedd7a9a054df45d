// The team: every agent may list it (for assignment); admins add agents.
import { AgentList, AgentResponse, NewAgent } from "../../../contract";
import { db } from "../../db/client";
import { requireAdmin } from "../../middleware/auth";
import { createAgent, listAgents } from "../../lib/agents";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { defineRoute } from "../audience";

export const teamRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/agents",
      tags: ["agents"],
      summary: "All agents (for assignment)",
      security: agentAuth,
      responses: { 200: json(AgentList, "Agents"), 401: errors[401] },
    },
    async (c) => c.json({ agents: await listAgents(db(c.env.DB)) }, 200),
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/agents",
      tags: ["agents"],
      summary: "Add an agent (admins)",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { body: jsonBody(NewAgent, "The new agent") },
      responses: { 201: json(AgentResponse, "Created"), 400: errors[400], 401: errors[401], 403: errors[403], 409: errors[409] },
    },
    async (c) => c.json({ agent: await createAgent(db(c.env.DB), c.req.valid("json")) }, 201),
  ),
];
