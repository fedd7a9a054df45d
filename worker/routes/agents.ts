import { createRoute, z } from "@hono/zod-openapi";
import { asc } from "drizzle-orm";
import { Agent, Role } from "../contract";
import { db } from "../db/client";
import { agents } from "../db/schema";
import { requireAdmin, requireAgent } from "../middleware/auth";
import { createAgent, toAgent } from "../lib/agents";
import { agentAuth, errors, json, jsonBody } from "../lib/openapi";
import { router } from "../lib/router";

const NewAgent = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200),
    role: Role,
    password: z.string().min(10, "must be at least 10 characters").max(1000),
  })
  .openapi("NewAgent");

export const agentRoutes = router();
agentRoutes.use("/agents", requireAgent);

agentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/agents",
    tags: ["agents"],
    summary: "All agents (for assignment)",
    security: agentAuth,
    responses: { 200: json(z.object({ agents: z.array(Agent) }), "Agents"), 401: errors[401] },
  }),
  async (c) => {
    const rows = await db(c.env.DB).select().from(agents).orderBy(asc(agents.name));
    return c.json({ agents: rows.map(toAgent) }, 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/agents",
    tags: ["agents"],
    summary: "Add an agent (admins)",
    security: agentAuth,
    middleware: [requireAdmin] as const,
    request: { body: jsonBody(NewAgent, "The new agent") },
    responses: { 201: json(z.object({ agent: Agent }), "Created"), 400: errors[400], 401: errors[401], 403: errors[403], 409: errors[409] },
  }),
  async (c) => c.json({ agent: await createAgent(db(c.env.DB), c.req.valid("json")) }, 201),
);
