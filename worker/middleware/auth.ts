// Who is calling: an agent (session cookie), a widget visitor (bearer token) or the store's
// server (API key). Each guard answers the contract's 401/403 and changes nothing.
import { and, eq, gt } from "drizzle-orm";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv, AgentSession, WidgetIdentity } from "../env";
import { db } from "../db/client";
import { agents, sessions } from "../db/schema";
import { constantTimeEqual, sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { toAgent } from "../lib/agents";
import { ExpiringMap } from "../lib/cache";
import { readWidgetToken } from "../lib/widget-token";
import { assertOwnPages } from "./origin";

export const SESSION_COOKIE = "parley_session";

/**
 * Sessions this isolate verified in the last few seconds, so an agent's burst of calls costs one
 * D1 read. Logout forgets the session here at once; another isolate may accept it for at most
 * SESSION_CACHE_MS more.
 */
const SESSION_CACHE_MS = 10_000;
const recentSessions = new ExpiringMap<string, AgentSession>(1_000);

export const forgetSession = (tokenHash: string) => recentSessions.delete(tokenHash);

export async function agentFromCookie(c: Context<AppEnv>): Promise<AgentSession | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const tokenHash = await sha256Hex(token);
  const now = Date.now();
  const cached = recentSessions.get(tokenHash);
  if (cached) return cached;
  const row = await db(c.env.DB)
    .select({ agent: agents, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(agents, eq(agents.id, sessions.agentId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, new Date(now).toISOString())))
    .get();
  if (!row) return null;
  const agent = { ...toAgent(row.agent), session: tokenHash, sessionExpiresAt: Date.parse(row.expiresAt) };
  recentSessions.set(tokenHash, agent, Math.min(now + SESSION_CACHE_MS, agent.sessionExpiresAt));
  return agent;
}

/** The agent surface's one guard: Parley's own pages only, then a live session. */
export const requireAgent = createMiddleware<AppEnv>(async (c, next) => {
  assertOwnPages(c);
  const agent = await agentFromCookie(c);
  if (!agent) throw new ApiError(401, "unauthorized", "Sign in first: this needs an agent session.");
  c.set("agent", agent);
  await next();
});

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (c.var.agent.role !== "admin") throw new ApiError(403, "forbidden", "Only admins can do this.");
  await next();
});

export async function widgetFromToken(env: Env, token: string | null | undefined): Promise<WidgetIdentity | null> {
  return token ? readWidgetToken(env.IDENTITY_SECRET, token) : null;
}

const bearer = (c: Context<AppEnv>) => c.req.header("Authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];

export const requireWidgetToken = createMiddleware<AppEnv>(async (c, next) => {
  const identity = await widgetFromToken(c.env, bearer(c));
  if (!identity) throw new ApiError(401, "unauthorized", "Missing, invalid or expired widget token; call POST /api/widget/session.");
  c.set("widget", identity);
  await next();
});

export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearer(c);
  if (!key || !c.env.API_KEY || !constantTimeEqual(key, c.env.API_KEY)) {
    throw new ApiError(401, "unauthorized", "Missing or wrong API key.");
  }
  await next();
});

/**
 * Uploads accept either an agent or an identified customer. A request that carries the agent's
 * cookie is on the agent surface, whatever else it carries: from another page it is refused.
 */
export const requireUploader = createMiddleware<AppEnv>(async (c, next) => {
  if (getCookie(c, SESSION_COOKIE) !== undefined) assertOwnPages(c);
  const agent = await agentFromCookie(c);
  if (agent) {
    c.set("agent", agent);
    return next();
  }
  const identity = await widgetFromToken(c.env, bearer(c));
  if (!identity) throw new ApiError(401, "unauthorized", "Uploads need an agent session or a widget token.");
  if (identity.kind !== "customer") throw new ApiError(403, "login_required", "Log in to the store to send images.");
  c.set("widget", identity);
  await next();
});
