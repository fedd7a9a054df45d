import { and, eq, isNull, sql } from "drizzle-orm";
import type { ProfileT } from "../../contract";
import type { Db } from "../db/client";
import { profiles } from "../db/schema";
import { newId, nowIso } from "./ids";

export type ProfileInput = { externalId: string; email?: string | null; phone?: string | null; name?: string | null };

export const toProfile = (row: Pick<typeof profiles.$inferSelect, "id" | "externalId" | "email" | "phone" | "name" | "createdAt">): ProfileT => ({
  id: row.id,
  externalId: row.externalId,
  email: row.email,
  phone: row.phone,
  name: row.name,
  createdAt: row.createdAt,
});

/**
 * Finds the profile by the store's customer id, or creates it. The store's server (`trusted`)
 * overwrites the fields it gives; the shopper's browser only fills fields still empty, so a
 * shopper cannot rewrite the email or phone the store recorded.
 */
export function profileUpsert(database: Db, input: ProfileInput, source: "trusted" | "browser") {
  const now = nowIso();
  const merge = (column: typeof profiles.email | typeof profiles.phone | typeof profiles.name) => {
    const given = sql`excluded.${sql.identifier(column.name)}`;
    return source === "trusted" ? sql`coalesce(${given}, ${column})` : sql`coalesce(${column}, ${given})`;
  };
  return database
    .insert(profiles)
    .values({
      id: newId("prf"),
      externalId: input.externalId,
      email: input.email ?? null,
      phone: input.phone ?? null,
      name: input.name ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: profiles.externalId,
      set: { email: merge(profiles.email), phone: merge(profiles.phone), name: merge(profiles.name), updatedAt: now },
    })
    .returning();
}

export async function upsertProfile(database: Db, input: ProfileInput, source: "trusted" | "browser"): Promise<ProfileT> {
  const [row] = await profileUpsert(database, input, source);
  return toProfile(row!);
}

/** The profile, unless there is none or its person was erased. */
export async function getProfile(database: Db, id: string): Promise<ProfileT | null> {
  const row = await database
    .select()
    .from(profiles)
    .where(and(eq(profiles.id, id), isNull(profiles.erasedAt)))
    .get();
  return row ? toProfile(row) : null;
}

export async function findProfileByExternalId(database: Db, externalId: string): Promise<ProfileT | null> {
  const row = await database.select().from(profiles).where(eq(profiles.externalId, externalId)).get();
  return row ? toProfile(row) : null;
}
