import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { Agent } from "../contract";
import { db } from "../db/client";
import { agents, sessions } from "../db/schema";
import { forgetSession, requireAgent, SESSION_COOKIE } from "../middleware/auth";
import { requireOwnPages } from "../middleware/origin";
import { clientIp, enforceLimit } from "../middleware/rate-limit";
import { ensureFirstAdmin, toAgent } from "../lib/agents";
import { PBKDF2_ITERATIONS, hashPassword, randomHex, sha256Hex, verifyPassword } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { nowIso } from "../lib/ids";
import { agentAuth, errors, json, jsonBody } from "../lib/openapi";
import { router } from "../lib/router";
import { inboxStub } from "../lib/stubs";

const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
const Credentials = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1000) }).openapi("Credentials");
const AgentBody = z.object({ agent: Agent }).openapi("AgentResponse");

export const authRoutes = router();
// Signing in and out are the agent surface too: no other page may sign an agent in (login CSRF) or out.
authRoutes.use("/auth/*", requireOwnPages);

authRoutes.openapi(
  createRoute({
    method: "post",
    path: "/auth/login",
    tags: ["auth"],
    summary: "Sign in; sets the HttpOnly session cookie",
    request: { body: jsonBody(Credentials, "Email and password") },
    responses: { 200: json(AgentBody, "Signed in"), 400: errors[400], 401: errors[401], 429: errors[429] },
  }),
  async (c) => {
    const { email, password } = c.req.valid("json");
    const normalized = email.toLowerCase();
    // Anyone can spend an account's budget with wrong passwords, locking its agent out for a
    // minute (docs/security.md): the agent is told so, not that their password is wrong.
    await enforceLimit(c, "LOGIN_LIMITER", [`ip:${clientIp(c)}`, `account:${normalized}`], "Too many sign-in attempts for this account or from this network, so sign-in is paused. Try again in a minute.");
    const database = db(c.env.DB);
    await ensureFirstAdmin(database, c.env);
    const row = await database.select().from(agents).where(eq(agents.email, normalized)).get();
    const valid = row
      ? await verifyPassword(password, { hash: row.passwordHash, salt: row.passwordSalt, iterations: row.passwordIterations })
      : // Spend the same work for an unknown email, so timing does not reveal which emails exist.
        (await hashPassword(password, "00".repeat(16), PBKDF2_ITERATIONS), false);
    if (!row || !valid) throw new ApiError(401, "unauthorized", "Wrong email or password.");
    const token = randomHex(32);
    const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000).toISOString();
    await database.insert(sessions).values({ tokenHash: await sha256Hex(token), agentId: row.id, createdAt: nowIso(), expiresAt });
    setCookie(c, SESSION_COOKIE, token, { httpOnly: true, secure: true, sameSite: "Strict", path: "/", maxAge: SESSION_TTL_SECONDS });
    return c.json({ agent: toAgent(row) }, 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: "post",
    path: "/auth/logout",
    tags: ["auth"],
    summary: "Sign out: ends the session and clears the cookie",
    security: agentAuth,
    responses: { 204: { description: "Signed out" } },
  }),
  async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      const tokenHash = await sha256Hex(token);
      forgetSession(tokenHash);
      await db(c.env.DB).delete(sessions).where(eq(sessions.tokenHash, tokenHash));
      await inboxStub(c.env).endSession(tokenHash);
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
    return c.body(null, 204);
  },
);

authRoutes.use("/me", requireAgent);
authRoutes.openapi(
  createRoute({
    method: "get",
    path: "/me",
    tags: ["auth"],
    summary: "The signed-in agent",
    security: agentAuth,
    responses: { 200: json(AgentBody, "The agent"), 401: errors[401] },
  }),
  async (c) => {
    // From D1, not the session cache: that holds the agent as this session last found it, so a
    // preference changed from another browser would come back stale for up to 10 s.
    const row = await db(c.env.DB).select().from(agents).where(eq(agents.id, c.var.agent.id)).get();
    if (!row) throw new ApiError(401, "unauthorized", "This agent no longer exists.");
    return c.json({ agent: toAgent(row) }, 200);
  },
);

const MePatch = z
  .object({ notifyOnAssignedReply: Agent.shape.notifyOnAssignedReply })
  .strict()
  .openapi("MePatch");

authRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/me",
    tags: ["auth"],
    summary: "Change the signed-in agent's own preferences: whether to be emailed when a customer writes in a ticket assigned to them",
    security: agentAuth,
    request: { body: jsonBody(MePatch, "The preferences to change") },
    responses: { 200: json(AgentBody, "The agent as stored now"), 400: errors[400], 401: errors[401] },
  }),
  async (c) => {
    const row = await db(c.env.DB).update(agents).set(c.req.valid("json")).where(eq(agents.id, c.var.agent.id)).returning().get();
    if (!row) throw new ApiError(401, "unauthorized", "This agent no longer exists.");
    return c.json({ agent: toAgent(row) }, 200);
  },
);
