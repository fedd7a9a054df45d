// The inbox's counts and its live socket.
import { Counts } from "../../../contract";
import { db } from "../../db/client";
import { forwardUpgrade } from "../../lib/conversations";
import { agentAuth, errors, json } from "../../lib/openapi";
import { inboxStub } from "../../lib/stubs";
import { countTickets } from "../../lib/tickets";
import { defineRoute, defineSocketRoute } from "../audience";

export const inboxRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/inbox/counts",
      tags: ["inbox"],
      summary: "Unread, open and snoozed ticket counts",
      security: agentAuth,
      responses: { 200: json(Counts, "Counts"), 401: errors[401] },
    },
    async (c) => c.json(await countTickets(db(c.env.DB)), 200),
  ),
  defineSocketRoute(
    {
      method: "get",
      path: "/api/inbox/ws",
      tags: ["inbox"],
      summary: "The inbox's WebSocket: ticket and counts frames (docs/api.md); `?since=<rev>` catches up",
      security: agentAuth,
    },
    async (c) => {
      const agent = c.var.agent;
      return forwardUpgrade(inboxStub(c.env), c.req.raw, {
        side: "agent",
        id: agent.id,
        name: agent.name,
        expiresAt: agent.sessionExpiresAt,
        session: agent.session,
        admin: agent.role === "admin",
      });
    },
  ),
];
