import { createRoute } from "@hono/zod-openapi";
import { Counts } from "../contract";
import { db } from "../db/client";
import { requireAgent } from "../middleware/auth";
import { forwardUpgrade } from "../lib/conversations";
import { agentAuth, errors, json } from "../lib/openapi";
import { router } from "../lib/router";
import { inboxStub } from "../lib/stubs";
import { countTickets } from "../lib/tickets";

export const inboxRoutes = router();
inboxRoutes.use("/inbox/*", requireAgent);

inboxRoutes.openapi(
  createRoute({
    method: "get",
    path: "/inbox/counts",
    tags: ["inbox"],
    summary: "Unread, open and snoozed ticket counts",
    security: agentAuth,
    responses: { 200: json(Counts, "Counts"), 401: errors[401] },
  }),
  async (c) => c.json(await countTickets(db(c.env.DB)), 200),
);

inboxRoutes.get("/inbox/ws", async (c) => {
  const agent = c.var.agent;
  return forwardUpgrade(inboxStub(c.env), c.req.raw, { side: "agent", id: agent.id, name: agent.name, expiresAt: agent.sessionExpiresAt, session: agent.session, admin: agent.role === "admin" });
});
