import { asc, count, eq } from "drizzle-orm";
import type { AgentT, RoleT } from "../../contract";
import { db, type Db } from "../db/client";
import { cachedPerDatabase } from "./cache";
import { agents } from "../db/schema";
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "./crypto";
import { ApiError } from "./errors";
import { newId, nowIso } from "./ids";

export const toAgent = (row: typeof agents.$inferSelect): AgentT => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  createdAt: row.createdAt,
  notifyOnAssignedReply: row.notifyOnAssignedReply,
});

export async function createAgent(database: Db, input: { email: string; name: string; role: RoleT; password: string }): Promise<AgentT> {
  const email = input.email.trim().toLowerCase();
  const password = await hashPassword(input.password);
  const row = await database
    .insert(agents)
    .values({
      id: newId("agt"),
      email,
      name: input.name.trim(),
      role: input.role,
      passwordHash: password.hash,
      passwordSalt: password.salt,
      passwordIterations: password.iterations,
      createdAt: nowIso(),
    })
    .onConflictDoNothing({ target: agents.email })
    .returning()
    .get();
  if (!row) throw new ApiError(409, "already_exists", `An agent with the email ${email} already exists.`);
  return toAgent(row);
}

/** The first admin comes from ADMIN_EMAIL / ADMIN_PASSWORD, once, while no agent exists. */
export async function ensureFirstAdmin(database: Db, env: Env): Promise<void> {
  const { n } = (await database.select({ n: count() }).from(agents).get()) ?? { n: 0 };
  if (n > 0 || !env.ADMIN_EMAIL || !env.ADMIN_PASSWORD) return;
  try {
    await createAgent(database, { email: env.ADMIN_EMAIL, name: "Admin", role: "admin", password: env.ADMIN_PASSWORD });
  } catch (error) {
    // A concurrent first login created it.
    if (!(error instanceof ApiError && error.code === "already_exists")) throw error;
  }
}

export async function agentExists(database: Db, id: string): Promise<boolean> {
  return !!(await database.select({ id: agents.id }).from(agents).where(eq(agents.id, id)).get());
}

export async function listAgents(database: Db): Promise<AgentT[]> {
  return (await database.select().from(agents).orderBy(asc(agents.name))).map(toAgent);
}

/** The agent as stored now (not as a session cached it), or null when it no longer exists. */
export async function getAgent(database: Db, id: string): Promise<AgentT | null> {
  const row = await database.select().from(agents).where(eq(agents.id, id)).get();
  return row ? toAgent(row) : null;
}

export async function updatePreferences(database: Db, id: string, preferences: Pick<AgentT, "notifyOnAssignedReply">): Promise<AgentT | null> {
  const row = await database.update(agents).set(preferences).where(eq(agents.id, id)).returning().get();
  return row ? toAgent(row) : null;
}

/** The agent whose email and password these are, or null; an unknown email costs as much as a wrong password. */
export async function agentWithPassword(database: Db, email: string, password: string): Promise<AgentT | null> {
  const row = await database.select().from(agents).where(eq(agents.email, email.toLowerCase())).get();
  const valid = row
    ? await verifyPassword(password, { hash: row.passwordHash, salt: row.passwordSalt, iterations: row.passwordIterations })
    : // Spend the same work for an unknown email, so timing does not reveal which emails exist.
      (await hashPassword(password, "00".repeat(16), PBKDF2_ITERATIONS), false);
  return row && valid ? toAgent(row) : null;
}

/**
 * The agents who want an email when a customer writes in their tickets, as recently read: ticket
 * objects owe no email job to an assignee who does not (a change of mind here is seen at once).
 */
export const agentsEmailedOnReply = cachedPerDatabase(10_000, async (env) => {
  const rows = await db(env.DB).select({ id: agents.id }).from(agents).where(eq(agents.notifyOnAssignedReply, true));
  return new Set(rows.map((row) => row.id));
});
