// The origin allowlist: the server's own origin and `settings.allowedOrigins`. It guards widget
// REST calls (with CORS for the allowed ones) and every WebSocket upgrade.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { db } from "../db/client";
import { ApiError } from "../lib/errors";
import { loadSettings } from "../lib/settings";

/** Loads settings once per request for the guards and handlers that need them. */
export const withSettings = createMiddleware<AppEnv>(async (c, next) => {
  c.set("settings", await loadSettings(db(c.env.DB)));
  await next();
});

/** A request without an Origin header comes from no browser page, so no page can abuse it. */
export function originAllowed(c: Context<AppEnv>): boolean {
  const origin = c.req.header("Origin");
  if (!origin) return true;
  return origin === new URL(c.req.url).origin || c.var.settings.allowedOrigins.includes(origin);
}

export const requireAllowedOrigin = createMiddleware<AppEnv>(async (c, next) => {
  if (!originAllowed(c)) throw new ApiError(403, "forbidden", `Origin ${c.req.header("Origin")} is not in the allowed origins.`);
  await next();
});

/** CORS for the widget: allowed store origins may call with a bearer token (no cookies). */
export const widgetCors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("Origin");
  if (!originAllowed(c)) throw new ApiError(403, "forbidden", `Origin ${origin} is not in the allowed origins.`);
  // An upgrade's 101 response belongs to the object that accepted it; CORS is not for sockets.
  if (origin && c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    c.header("Access-Control-Allow-Origin", origin);
    c.header("Vary", "Origin", { append: true });
  }
  if (c.req.method === "OPTIONS") {
    c.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    c.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    c.header("Access-Control-Max-Age", "600");
    return c.body(null, 204);
  }
  await next();
});
