// Recording a store event (an order placed, an email received) against the customer's profile.
import { and, desc, eq, sql } from "drizzle-orm";
import type { StoreEventT } from "../../contract";
import type { Db } from "../db/client";
import { events, profiles } from "../db/schema";
import { newId, nowIso } from "./ids";
import { profileUpsert, type ProfileInput } from "./profiles";

export type StoreEventInput = { name: string; value?: number; properties?: Record<string, unknown>; occurredAt?: string };

/** Upserts the profile by its store id and records the event, in one transaction. */
export async function recordStoreEvent(database: Db, profile: ProfileInput, event: StoreEventInput): Promise<{ profileId: string; eventId: string }> {
  const eventId = newId("evt");
  const [[row]] = await database.batch([
    profileUpsert(database, profile, "trusted"),
    database.insert(events).values({
      id: eventId,
      profileId: sql`(SELECT ${profiles.id} FROM ${profiles} WHERE ${profiles.externalId} = ${profile.externalId})`,
      name: event.name,
      value: event.value ?? null,
      properties: event.properties ?? null,
      occurredAt: event.occurredAt ? new Date(event.occurredAt).toISOString() : nowIso(),
      createdAt: nowIso(),
    }),
  ]);
  return { profileId: row!.id, eventId };
}

export const toStoreEvent = (row: typeof events.$inferSelect): StoreEventT => ({
  id: row.id,
  name: row.name,
  value: row.value,
  properties: row.properties ?? null,
  occurredAt: row.occurredAt,
});

/** The profile's newest events (of one name, if given), newest first. */
export async function recentEvents(database: Db, profileId: string, limit: number, name?: string): Promise<StoreEventT[]> {
  const condition = name === undefined ? eq(events.profileId, profileId) : and(eq(events.profileId, profileId), eq(events.name, name));
  const rows = await database.select().from(events).where(condition).orderBy(desc(events.occurredAt)).limit(limit);
  return rows.map(toStoreEvent);
}
