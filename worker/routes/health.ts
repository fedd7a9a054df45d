import { createRoute, z } from "@hono/zod-openapi";
import { json } from "../lib/openapi";
import { router } from "../lib/router";

export const healthRoutes = router();

healthRoutes.openapi(
  createRoute({
    method: "get",
    path: "/healthz",
    tags: ["health"],
    summary: "Liveness",
    responses: { 200: json(z.object({ ok: z.literal(true) }), "The Worker is serving") },
  }),
  (c) => c.json({ ok: true as const }, 200),
);
