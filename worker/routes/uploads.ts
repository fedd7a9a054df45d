// Image uploads to R2. Keys are 128 random bits, so a file's URL is unguessable; it is served
// with the type recognised from its bytes, and browsers are told not to second-guess it.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { Attachment, MAX_UPLOAD_BYTES } from "../contract";
import { requireUploader } from "../middleware/auth";
import { widgetCors, withSettings } from "../middleware/origin";
import { enforceLimit } from "../middleware/rate-limit";
import { ApiError } from "../lib/errors";
import { agentAuth, errors, json, widgetAuth } from "../lib/openapi";
import { router } from "../lib/router";
import { storeImage } from "../lib/uploads";

// The file itself is checked by the handler (by its bytes); the schema only documents the form.
const UploadForm = z.object({ file: z.any().openapi({ type: "string", format: "binary" }) }).openapi("UploadForm");
const tooLarge = () => new ApiError(413, "too_large", `An upload is at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB.`);
const ownerOf = (c: Context<AppEnv>) => (c.var.agent ? `agent:${c.var.agent.id}` : `customer:${(c.var.widget as { profileId: string }).profileId}`);

/** Refuses before the body is read: over-budget callers and bodies far past the limit. */
const guardUpload = createMiddleware<AppEnv>(async (c, next) => {
  await enforceLimit(c, "SEND_LIMITER", [ownerOf(c)]);
  // Multipart framing adds a little to the file's own size.
  if (Number(c.req.header("Content-Length") ?? 0) > MAX_UPLOAD_BYTES + 64 * 1024) throw tooLarge();
  await next();
});

export const uploadRoutes = router();
// Customers upload from the store's pages: the same origin allowlist and CORS as the widget API.
uploadRoutes.use("/uploads", withSettings, widgetCors);

uploadRoutes.openapi(
  createRoute({
    method: "post",
    path: "/uploads",
    tags: ["uploads"],
    summary: "Upload an image (png, jpeg, gif or webp, by content; at most 10 MiB)",
    security: [...agentAuth, ...widgetAuth],
    middleware: [requireUploader, guardUpload] as const,
    request: { body: { content: { "multipart/form-data": { schema: UploadForm } }, description: "Field `file`" } },
    responses: {
      201: json(Attachment, "Stored"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      413: errors[413],
      415: errors[415],
      429: errors[429],
    },
  }),
  async (c) => {
    const form = await Promise.resolve(c.req.parseBody()).catch(() => null);
    const file = form?.file;
    if (!(file instanceof File)) throw new ApiError(400, "invalid_request", "file: attach the image as multipart field `file`.");
    if (file.size > MAX_UPLOAD_BYTES) throw tooLarge();
    const bytes = new Uint8Array(await file.arrayBuffer());
    const stored = await storeImage(c.env.UPLOADS, bytes, ownerOf(c));
    if (!stored) throw new ApiError(415, "unsupported_media_type", "Only png, jpeg, gif and webp images can be uploaded.");
    const { key, contentType } = stored;
    return c.json({ key, url: `${new URL(c.req.url).origin}/api/uploads/${key}`, contentType, size: bytes.byteLength }, 201);
  },
);

uploadRoutes.openapi(
  createRoute({
    method: "get",
    path: "/uploads/{key}",
    tags: ["uploads"],
    summary: "The uploaded file (no credentials: the key is the secret)",
    request: { params: z.object({ key: z.string().regex(/^[0-9a-f]{32}$/, "is not an upload key") }) },
    responses: {
      200: { content: { "image/*": { schema: z.string().openapi({ type: "string", format: "binary" }) } }, description: "The stored bytes" },
      400: errors[400],
      404: errors[404],
    },
  }),
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
);
