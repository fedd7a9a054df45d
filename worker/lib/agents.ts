import { count, eq } from "drizzle-orm";
import type { AgentT, RoleT } from "../contract";
import type { Db } from "../db/client";
import { agents } from "../db/schema";
import { hashPassword } from "./crypto";
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
