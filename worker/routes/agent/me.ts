// The signed-in agent's own account.
import { AgentResponse, MePatch } from "../../../contract";
import { db } from "../../db/client";
import { agentsEmailedOnReply, getAgent, updatePreferences } from "../../lib/agents";
import { ApiError } from "../../lib/errors";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { defineRoute } from "../audience";

const gone = () => new ApiError(401, "unauthorized", "This agent no longer exists.");

export const meRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/me",
      tags: ["auth"],
      summary: "The signed-in agent",
      security: agentAuth,
      responses: { 200: json(AgentResponse, "The agent"), 401: errors[401] },
    },
    async (c) => {
      // From D1, not the session cache: that holds the agent as this session last found it, so a
      // preference changed from another browser would come back stale for up to 10 s.
      const agent = await getAgent(db(c.env.DB), c.var.agent.id);
      if (!agent) throw gone();
      return c.json({ agent }, 200);
    },
  ),
  defineRoute(
    {
      method: "patch",
      path: "/api/me",
      tags: ["auth"],
      summary: "Change the signed-in agent's own preferences: whether to be emailed when a customer writes in a ticket assigned to them",
      security: agentAuth,
      request: { body: jsonBody(MePatch, "The preferences to change") },
      responses: { 200: json(AgentResponse, "The agent as stored now"), 400: errors[400], 401: errors[401] },
    },
    async (c) => {
      const agent = await updatePreferences(db(c.env.DB), c.var.agent.id, c.req.valid("json"));
      if (!agent) throw gone();
      agentsEmailedOnReply(c.env).clear();
      return c.json({ agent }, 200);
    },
  ),
];
