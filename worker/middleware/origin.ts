// Which pages may call which surface. The widget surface (/api/widget/*, the customer socket,
// customer uploads) admits the server's own origin and `settings.allowedOrigins`, with CORS. The
// agent surface (every cookie call, the agent and inbox sockets, sign-in) admits only the
// server's own origin: a store on the same site as Parley gets the agent's SameSite cookie sent
// along with its requests, so being an allowed widget origin must not make it an agent.
import type { Context } from "hono";
import { every } from "hono/combine";
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

const ownOrigin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

/** A request without an Origin header comes from no browser page, so no page can abuse it. */
export function originAllowed(c: Context<AppEnv>): boolean {
  const origin = c.req.header("Origin");
  if (!origin) return true;
  return origin === ownOrigin(c) || c.var.settings.allowedOrigins.includes(origin);
}

/**
 * Whether the request comes from one of Parley's own pages, or from no page at all (a script,
 * curl). A browser names the page's origin in `Origin` on every cross-origin request and every
 * non-GET one; where it leaves `Origin` out (a plain GET, an old browser), `Sec-Fetch-Site` tells
 * whether another site sent it.
 */
function fromOwnPages(c: Context<AppEnv>): boolean {
  const origin = c.req.header("Origin");
  if (origin !== undefined) return origin === ownOrigin(c);
  const site = c.req.header("Sec-Fetch-Site");
  return site !== "cross-site" && site !== "same-site";
}

/** Refuses, before anything is read or changed, an agent-surface request sent by another page. */
export function assertOwnPages(c: Context<AppEnv>): void {
  if (!fromOwnPages(c)) {
    const from = c.req.header("Origin") ?? `a ${c.req.header("Sec-Fetch-Site")} page`;
    throw new ApiError(403, "forbidden", `The inbox API answers only Parley's own pages, not ${from}; store pages use the widget API.`);
  }
}

export const requireOwnPages = createMiddleware<AppEnv>(async (c, next) => {
  assertOwnPages(c);
  await next();
});

/** CORS for the widget: allowed store origins may call with a bearer token (no cookies). */
const widgetCors = createMiddleware<AppEnv>(async (c, next) => {
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

/** The widget surface's guard: the store's settings, then its origin allowlist with CORS. */
export const widgetSurface = every(withSettings, widgetCors);
