// Agent sign-in, sessions, password storage, login rate limits and the agents API.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword, PBKDF2_ITERATIONS } from "../../worker/lib/crypto";
import { ADMIN, addAgent, call, expectError, json, login, sleep } from "./helpers";

let admin: string;

beforeAll(async () => {
  // One admin login for the whole file: the per-account login limit counts successful logins too.
  admin = await login();
});

/** An IP no other test (or test file) uses, so only this test's attempts count against it. */
const uniqueIp = () => `2001:db8:${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}::1`;

/**
 * Rate-limit windows are aligned to the wall clock (miniflare's simulation, like Cloudflare's
 * fixed windows); a burst that straddles a window edge would be split in two. Start clear of one.
 */
async function clearOfWindowEdge(periodSeconds: number, needMs: number) {
  const periodMs = periodSeconds * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < needMs) await sleep(left + 250);
}

/** Adds an agent through the API without signing it in (a sign-in would count against its login budget). */
async function createdAgent(role: "admin" | "agent" = "agent") {
  const email = `limited-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = "agent-password-123";
  await json(await call("/api/agents", { method: "POST", cookie: admin, json: { email, name: "Limited Agent", role, password } }), 201);
  return { email, password };
}

const attempt = (email: string, password: string, ip: string) => call("/api/auth/login", { method: "POST", json: { email, password }, ip });

async function agentRow(email: string) {
  return env.DB.prepare("SELECT id, password_hash, password_salt, password_iterations FROM agents WHERE email = ?")
    .bind(email)
    .first<{ id: string; password_hash: string; password_salt: string; password_iterations: number }>();
}

describe("login and sessions", () => {
  it("signs in with a Secure, HttpOnly, SameSite=Strict session cookie on Path=/", async () => {
    const { agent } = await addAgent(admin);
    const response = await call("/api/auth/login", { method: "POST", json: { email: agent.email, password: "agent-password-123" } });
    const body = await json(response, 200);
    expect(body.agent).toMatchObject({ id: agent.id, email: agent.email, role: "agent" });
    expect(body.agent).not.toHaveProperty("passwordHash");

    const cookie = response.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^parley_session=[^;]{32,};/);
    const attributes = cookie.split(";").map((part) => part.trim().toLowerCase());
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("secure");
    expect(attributes).toContain("samesite=strict");
    expect(attributes).toContain("path=/");
  });

  it("refuses a wrong password and an unknown email alike with 401 unauthorized and no cookie", async () => {
    const wrong = await call("/api/auth/login", { method: "POST", json: { email: ADMIN.email, password: "not-the-password" } });
    expect(wrong.headers.get("Set-Cookie")).toBeNull();
    const wrongError = await expectError(wrong, 401, "unauthorized");

    const unknown = await call("/api/auth/login", { method: "POST", json: { email: "nobody@example.com", password: "whatever-password" } });
    expect(unknown.headers.get("Set-Cookie")).toBeNull();
    const unknownError = await expectError(unknown, 401, "unauthorized");
    // Same answer either way, so the response does not reveal which emails exist.
    expect(unknownError.message).toBe(wrongError.message);
  });

  it("rejects a login body without a password with 400 invalid_request naming the field", async () => {
    const error = await expectError(await call("/api/auth/login", { method: "POST", json: { email: ADMIN.email } }), 400, "invalid_request");
    expect(error.message).toContain("password");
  });

  it("GET /api/me answers the signed-in agent with the cookie and 401 without it", async () => {
    const { agent, cookie } = await addAgent(admin);
    const me = await json(await call("/api/me", { cookie }), 200);
    expect(me.agent).toEqual({ id: agent.id, email: agent.email, name: agent.name, role: "agent", createdAt: agent.createdAt, notifyOnAssignedReply: false });

    await expectError(await call("/api/me"), 401, "unauthorized");
    await expectError(await call("/api/me", { cookie: "parley_session=0123456789abcdef0123456789abcdef" }), 401, "unauthorized");
    const adminMe = await json(await call("/api/me", { cookie: admin }), 200);
    expect(adminMe.agent).toMatchObject({ email: ADMIN.email, role: "admin" });
  });

  it("logout ends the session: the same cookie then gets 401", async () => {
    const { cookie } = await addAgent(admin);
    await json(await call("/api/me", { cookie }), 200);
    const out = await call("/api/auth/logout", { method: "POST", cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get("Set-Cookie")).toMatch(/^parley_session=;.*Max-Age=0/i);
    await expectError(await call("/api/me", { cookie }), 401, "unauthorized");
    await expectError(await call("/api/tickets", { cookie }), 401, "unauthorized");
    // Another session of the same agent is not touched by this logout.
    await json(await call("/api/me", { cookie: admin }), 200);
  });
});

describe("password storage", () => {
  it("uses PBKDF2 with exactly 100,000 iterations (the Workers runtime maximum)", () => {
    expect(PBKDF2_ITERATIONS).toBe(100_000);
  });

  it("hashes as PBKDF2-HMAC-SHA256 does by its published test vectors", async () => {
    // RFC 7914 §11 / RFC 6070 style vectors for PBKDF2-HMAC-SHA256, 32-byte output.
    const salt = [..."salt"].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
    expect((await hashPassword("password", salt, 1)).hash).toBe("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    expect((await hashPassword("password", salt, 4096)).hash).toBe("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
  });

  it("stores the hash of the agent's password at 100,000 iterations: recomputed here from the stored salt, it matches", async () => {
    const { agent } = await addAgent(admin);
    const row = (await agentRow(agent.email))!;
    const salt = Uint8Array.from(row.password_salt.match(/../g)!.map((byte) => parseInt(byte, 16)));
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("agent-password-123"), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, key, 256);
    expect(row.password_hash).toBe([...new Uint8Array(bits)].map((b) => b.toString(16).padStart(2, "0")).join(""));
  });

  it("stores a per-agent salt and 100,000 iterations in D1, never the password", async () => {
    const first = await addAgent(admin);
    const second = await addAgent(admin);
    const a = (await agentRow(first.agent.email))!;
    const b = (await agentRow(second.agent.email))!;
    const adminRow = (await agentRow(ADMIN.email))!;
    for (const row of [a, b, adminRow]) {
      expect(row.password_iterations).toBe(100_000);
      expect(row.password_salt).toMatch(/^[0-9a-f]{32,}$/);
      expect(row.password_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.password_hash).not.toContain("agent-password-123");
    }
    // Both agents have the same password; the salts (and so the hashes) still differ.
    expect(a.password_salt).not.toBe(b.password_salt);
    expect(a.password_hash).not.toBe(b.password_hash);
    expect(adminRow.password_salt).not.toBe(a.password_salt);
  });
});

describe("login rate limits", () => {
  it("blocks an account after 10 attempts per minute from one IP with 429 rate_limited and Retry-After", { timeout: 60_000 }, async () => {
    const agent = await createdAgent();
    const ip = uniqueIp();
    await clearOfWindowEdge(60, 5_000);
    for (let i = 0; i < 10; i++) await expectError(await attempt(agent.email, `wrong-password-${i}`, ip), 401, "unauthorized");
    const blocked = await attempt(agent.email, "wrong-password-x", ip);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    await expectError(blocked, 429, "rate_limited");
    // While blocked, even the right password does not get in (no session is created).
    const right = await attempt(agent.email, "agent-password-123", ip);
    expect(right.headers.get("Set-Cookie")).toBeNull();
    expect(Number(right.headers.get("Retry-After"))).toBeGreaterThan(0);
    await expectError(right, 429, "rate_limited");
  });

  it("limits per account even when every attempt comes from a different IP", { timeout: 60_000 }, async () => {
    const agent = await createdAgent();
    const other = await createdAgent();
    await clearOfWindowEdge(60, 5_000);
    for (let i = 0; i < 10; i++) await expectError(await attempt(agent.email, `wrong-password-${i}`, uniqueIp()), 401, "unauthorized");
    const blocked = await attempt(agent.email, "wrong-password-x", uniqueIp());
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    await expectError(blocked, 429, "rate_limited");
    // The account key is normalised: a change of case is the same account.
    await expectError(await attempt(agent.email.toUpperCase(), "agent-password-123", uniqueIp()), 429, "rate_limited");
    // Another account is unaffected.
    await json(await attempt(other.email, other.password, uniqueIp()), 200);
  });

  it("limits per IP even when every attempt names a different account", { timeout: 60_000 }, async () => {
    const ip = uniqueIp();
    await clearOfWindowEdge(60, 5_000);
    for (let i = 0; i < 10; i++) {
      await expectError(await attempt(`nobody-${i}-${crypto.randomUUID().slice(0, 6)}@example.com`, "wrong-password", ip), 401, "unauthorized");
    }
    const blocked = await attempt(`nobody-x-${crypto.randomUUID().slice(0, 6)}@example.com`, "wrong-password", ip);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    await expectError(blocked, 429, "rate_limited");
  });
});

describe("POST /api/agents and GET /api/agents", () => {
  const newAgent = (over: Record<string, unknown> = {}) => ({
    email: `new-${crypto.randomUUID().slice(0, 8)}@example.com`,
    name: "New Agent",
    role: "agent",
    password: "a-long-password",
    ...over,
  });

  it("lets an admin add an agent (201) who can then sign in with that role", async () => {
    const input = newAgent({ role: "admin", name: "  Second Admin  " });
    const { agent } = await json(await call("/api/agents", { method: "POST", cookie: admin, json: input }), 201);
    expect(agent).toEqual({
      id: expect.stringMatching(/^agt_/),
      email: input.email,
      name: "Second Admin",
      role: "admin",
      createdAt: expect.any(String),
      notifyOnAssignedReply: false,
    });
    expect(Number.isNaN(Date.parse(agent.createdAt))).toBe(false);
    const cookie = await login(input.email as string, input.password as string);
    expect((await json(await call("/api/me", { cookie }), 200)).agent).toMatchObject({ id: agent.id, role: "admin" });
  });

  it("refuses a duplicate email with 409 already_exists, whatever its case", async () => {
    const input = newAgent();
    await json(await call("/api/agents", { method: "POST", cookie: admin, json: input }), 201);
    await expectError(await call("/api/agents", { method: "POST", cookie: admin, json: { ...input, name: "Copy" } }), 409, "already_exists");
    await expectError(
      await call("/api/agents", { method: "POST", cookie: admin, json: { ...input, email: (input.email as string).toUpperCase() } }),
      409,
      "already_exists",
    );
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM agents WHERE email = ?").bind(input.email).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("rejects an invalid body with 400 invalid_request naming the field, and creates nothing", async () => {
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM agents").first<{ n: number }>())!.n;
    const cases: Array<[Record<string, unknown>, string]> = [
      [newAgent({ email: "not-an-email" }), "email"],
      [newAgent({ role: "owner" }), "role"],
      [newAgent({ password: "short" }), "password"],
      [newAgent({ name: "" }), "name"],
      [{ email: "x@example.com", name: "X", role: "agent" }, "password"],
    ];
    for (const [body, field] of cases) {
      const error = await expectError(await call("/api/agents", { method: "POST", cookie: admin, json: body }), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toContain(field);
    }
    const malformed = await call("/api/agents", { method: "POST", cookie: admin, body: "{not json", headers: { "Content-Type": "application/json" } });
    await expectError(malformed, 400, "invalid_request");
    expect((await env.DB.prepare("SELECT count(*) AS n FROM agents").first<{ n: number }>())!.n).toBe(before);
  });

  it("refuses an agent (role agent) with 403 forbidden and no session with 401 unauthorized", async () => {
    const { cookie } = await addAgent(admin, "agent");
    const input = newAgent();
    await expectError(await call("/api/agents", { method: "POST", cookie, json: input }), 403, "forbidden");
    await expectError(await call("/api/agents", { method: "POST", json: input }), 401, "unauthorized");
    await expectError(await call("/api/agents", { method: "POST", cookie: "parley_session=forged", json: input }), 401, "unauthorized");
    expect(await agentRow(input.email as string)).toBeNull();
    await expectError(await call("/api/agents"), 401, "unauthorized");
  });

  it("lists agents without ever leaking password hashes or salts", async () => {
    const { agent, cookie } = await addAgent(admin);
    const response = await call("/api/agents", { cookie });
    const text = await response.clone().text();
    const { agents } = await json(response, 200);
    expect(agents.map((a: { id: string }) => a.id)).toContain(agent.id);
    expect(agents.map((a: { email: string }) => a.email)).toContain(ADMIN.email);
    for (const listed of agents) {
      expect(Object.keys(listed).sort()).toEqual(["createdAt", "email", "id", "name", "notifyOnAssignedReply", "role"]);
    }
    const rows = (await env.DB.prepare("SELECT password_hash, password_salt FROM agents").all<{ password_hash: string; password_salt: string }>()).results;
    expect(rows.length).toBe(agents.length);
    for (const row of rows) {
      expect(text).not.toContain(row.password_hash);
      expect(text).not.toContain(row.password_salt);
    }
    expect(text).not.toMatch(/password|salt|iterations/i);
  });
});
