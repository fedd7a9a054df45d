// What anyone may fetch: the health check and an upload by its unguessable key.
import { z } from "@hono/zod-openapi";
import { UploadParam } from "../../contract";
import { ApiError } from "../lib/errors";
import { errors, json } from "../lib/openapi";
import { audience, defineRoute, openToAll } from "./audience";

const publicRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/healthz",
      tags: ["health"],
      summary: "Liveness",
      responses: { 200: json(z.object({ ok: z.literal(true) }), "The Worker is serving") },
    },
    (c) => c.json({ ok: true as const }, 200),
  ),
  defineRoute(
    {
      method: "get",
      path: "/api/uploads/{key}",
      tags: ["uploads"],
      summary: "The uploaded file (no credentials: the key is the secret)",
      request: { params: UploadParam },
      responses: {
        200: { content: { "image/*": { schema: z.string().openapi({ type: "string", format: "binary" }) } }, description: "The stored bytes" },
        400: errors[400],
        404: errors[404],
      },
    },
    async (c) => {
      const object = await c.env.UPLOADS.get(c.req.valid("param").key);
      if (!object) throw new ApiError(404, "not_found", "No such file.");
      return new Response(object.body, {
        headers: {
          "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream",
          "Content-Length": String(object.size),
          "X-Content-Type-Options": "nosniff",
          "Content-Security-Policy": "default-src 'none'; sandbox",
          // Store pages show customers' and agents' images with <img>, a no-cors request.
          "Cross-Origin-Resource-Policy": "cross-origin",
          "Cache-Control": "private, max-age=31536000, immutable",
          ETag: object.httpEtag,
        },
      });
    },
  ),
];

export const publicApi = audience(openToAll, publicRoutes);
