// Rate limits on the Workers rate-limiting binding (simulated locally by miniflare).
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";

type LimiterName = "LOGIN_LIMITER" | "SESSION_LIMITER" | "SEND_LIMITER";

/** The caller's IP as Cloudflare reports it. */
export const clientIp = (c: Context<AppEnv>) => c.req.header("CF-Connecting-IP") ?? "unknown";

/** Throws `429 rate_limited` (saying `message`) when any of the keys is over its budget. */
export async function enforceLimit(c: Context<AppEnv>, limiter: LimiterName, keys: string[], message = "Too many requests; try again shortly."): Promise<void> {
  const outcomes = await Promise.all(keys.map((key) => c.env[limiter].limit({ key: `${limiter}:${key}` })));
  if (outcomes.some((outcome) => !outcome.success)) throw new ApiError(429, "rate_limited", message, { "Retry-After": "60" });
}

export const limitBy = (limiter: LimiterName, keys: (c: Context<AppEnv>) => string[]) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await enforceLimit(c, limiter, keys(c));
    await next();
  });
