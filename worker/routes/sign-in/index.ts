// Signing in and out. These carry no session yet (or end it), but they are the agent surface: no
// other page may sign an agent in (login CSRF) or out. Their one guard: Parley's own pages only.
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { AgentResponse, SignIn } from "../../../contract";
import { db } from "../../db/client";
import { forgetSession, SESSION_COOKIE } from "../../middleware/auth";
import { requireOwnPages } from "../../middleware/origin";
import { clientIp, enforceLimit } from "../../middleware/rate-limit";
import { agentWithPassword, ensureFirstAdmin } from "../../lib/agents";
import { sha256Hex } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { deleteSession, SESSION_TTL_SECONDS, startSession } from "../../lib/sessions";
import { inboxStub } from "../../lib/stubs";
import { audience, defineRoute } from "../audience";

const COOKIE = { httpOnly: true, secure: true, sameSite: "Strict", path: "/" } as const;

const signInRoutes = [
  defineRoute(
    {
      method: "post",
      path: "/api/auth/login",
      tags: ["auth"],
      summary: "Sign in; sets the HttpOnly session cookie",
      request: { body: jsonBody(SignIn, "Email and password") },
      responses: { 200: json(AgentResponse, "Signed in"), 400: errors[400], 401: errors[401], 403: errors[403], 429: errors[429] },
    },
    async (c) => {
      const { email, password } = c.req.valid("json");
      // Anyone can spend an account's budget with wrong passwords, locking its agent out for a
      // minute (docs/security.md): the agent is told so, not that their password is wrong.
      await enforceLimit(
        c,
        "LOGIN_LIMITER",
        [`ip:${clientIp(c)}`, `account:${email.toLowerCase()}`],
        "Too many sign-in attempts for this account or from this network, so sign-in is paused. Try again in a minute.",
      );
      const database = db(c.env.DB);
      await ensureFirstAdmin(database, c.env);
      const agent = await agentWithPassword(database, email, password);
      if (!agent) throw new ApiError(401, "unauthorized", "Wrong email or password.");
      setCookie(c, SESSION_COOKIE, await startSession(database, agent.id), { ...COOKIE, maxAge: SESSION_TTL_SECONDS });
      return c.json({ agent }, 200);
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/auth/logout",
      tags: ["auth"],
      summary: "Sign out: ends the session and clears the cookie",
      security: agentAuth,
      responses: { 204: { description: "Signed out" }, 403: errors[403] },
    },
    async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) {
        const tokenHash = await sha256Hex(token);
        forgetSession(tokenHash);
        await deleteSession(db(c.env.DB), tokenHash);
        await inboxStub(c.env).endSession(tokenHash);
      }
      deleteCookie(c, SESSION_COOKIE, COOKIE);
      return c.body(null, 204);
    },
  ),
];

export const signInApi = audience(requireOwnPages, signInRoutes);
