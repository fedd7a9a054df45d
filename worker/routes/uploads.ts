// Image uploads to R2, by agents (session cookie) and identified customers (widget token). Its
// one guard: an uploader, on the surface their credentials belong to. Keys are 128 random bits,
// so a file's URL is unguessable; serving it is in ./public.ts.
import { every } from "hono/combine";
import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import { Attachment, MAX_UPLOAD_BYTES, UploadForm } from "../../contract";
import type { AppEnv } from "../env";
import { requireUploader } from "../middleware/auth";
import { widgetSurface } from "../middleware/origin";
import { enforceLimit } from "../middleware/rate-limit";
import { ApiError } from "../lib/errors";
import { agentAuth, errors, json, widgetAuth } from "../lib/openapi";
import { db } from "../db/client";
import { recordCustomerUpload, storeImage } from "../lib/uploads";
import { audience, defineRoute } from "./audience";

const tooLarge = () => new ApiError(413, "too_large", `An upload is at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB.`);
const ownerOf = (c: Context<AppEnv>) => (c.var.agent ? `agent:${c.var.agent.id}` : `customer:${(c.var.widget as { profileId: string }).profileId}`);

/** Refuses before the body is read: over-budget callers and bodies far past the limit. */
const guardUpload = createMiddleware<AppEnv>(async (c, next) => {
  await enforceLimit(c, "SEND_LIMITER", [ownerOf(c)]);
  // Multipart framing adds a little to the file's own size.
  if (Number(c.req.header("Content-Length") ?? 0) > MAX_UPLOAD_BYTES + 64 * 1024) throw tooLarge();
  await next();
});

const uploadRoutes = [
  defineRoute(
    {
      method: "post",
      path: "/api/uploads",
      tags: ["uploads"],
      summary: "Upload an image (png, jpeg, gif or webp, by content; at most 10 MiB)",
      security: [...agentAuth, ...widgetAuth],
      middleware: [guardUpload] as const,
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
    },
    async (c) => {
      const form = await Promise.resolve(c.req.parseBody()).catch(() => null);
      const file = form?.file;
      if (!(file instanceof File)) throw new ApiError(400, "invalid_request", "file: attach the image as multipart field `file`.");
      if (file.size > MAX_UPLOAD_BYTES) throw tooLarge();
      const bytes = new Uint8Array(await file.arrayBuffer());
      const stored = await storeImage(c.env.UPLOADS, bytes, ownerOf(c));
      if (!stored) throw new ApiError(415, "unsupported_media_type", "Only png, jpeg, gif and webp images can be uploaded.");
      const { key, contentType } = stored;
      if (!c.var.agent) await recordCustomerUpload(db(c.env.DB), key, (c.var.widget as { profileId: string }).profileId);
      return c.json({ key, url: `${new URL(c.req.url).origin}/api/uploads/${key}`, contentType, size: bytes.byteLength }, 201);
    },
  ),
];

/** Customers upload from the store's pages: the widget surface's origins and CORS, then the uploader. */
export const uploadApi = audience(every(widgetSurface, requireUploader), uploadRoutes, { preflight: true });
