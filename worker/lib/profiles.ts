import { eq, sql } from "drizzle-orm";
import type { ProfileT } from "../contract";
import type { Db } from "../db/client";
import { profiles } from "../db/schema";
import { newId, nowIso } from "./ids";

export type ProfileInput = { externalId: string; email?: string | null; phone?: string | null; name?: string | null };

export const toProfile = (row: typeof profiles.$inferSelect): ProfileT => ({
  id: row.id,
  externalId: row.externalId,
  email: row.email,
  phone: row.phone,
  name: row.name,
  createdAt: row.createdAt,
});

/** Finds the profile by the store's customer id and refreshes the fields given; creates it if new. */
export async function upsertProfile(database: Db, input: ProfileInput): Promise<ProfileT> {
  const now = nowIso();
  const keep = (column: typeof profiles.email | typeof profiles.phone | typeof profiles.name) =>
    sql`coalesce(excluded.${sql.identifier(column.name)}, ${column})`;
  const row = await database
    .insert(profiles)
    .values({ id: newId("prf"), externalId: input.externalId, email: input.email ?? null, phone: input.phone ?? null, name: input.name ?? null, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: profiles.externalId, set: { email: keep(profiles.email), phone: keep(profiles.phone), name: keep(profiles.name), updatedAt: now } })
    .returning()
    .get();
  return toProfile(row);
}

export async function getProfile(database: Db, id: string): Promise<ProfileT | null> {
  const row = await database.select().from(profiles).where(eq(profiles.id, id)).get();
  return row ? toProfile(row) : null;
}
