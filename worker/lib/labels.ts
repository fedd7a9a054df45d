// Labels in D1: the admins' list, a ticket's label names checked against it, and the
// ticket_labels rows the list's label filter reads, kept in step with the tickets table.
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { LabelT } from "../../contract";
import type { Db } from "../db/client";
import { labels, ticketLabels, tickets } from "../db/schema";
import { ApiError } from "./errors";
import { newId, nowIso } from "./ids";

const toLabel = ({ id, name, color }: typeof labels.$inferSelect): LabelT => ({ id, name, color });

export async function listLabels(database: Db): Promise<LabelT[]> {
  const rows = await database
    .select()
    .from(labels)
    .orderBy(asc(sql`lower(${labels.name})`));
  return rows.map(toLabel);
}

/** A name already taken, in any case, is a 409 `already_exists`. */
export async function createLabel(database: Db, input: { name: string; color: string }): Promise<LabelT> {
  const row = await database
    .insert(labels)
    .values({ id: newId("lbl"), name: input.name, color: input.color, createdAt: nowIso() })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!row) throw new ApiError(409, "already_exists", `A label named "${input.name}" already exists (names are unique in any case).`);
  return toLabel(row);
}

/**
 * The labels as stored, for names given in any case (repeats dropped, in the given order), or
 * the names no label has.
 */
export async function resolveLabelNames(database: Db, names: string[]): Promise<{ names: string[] } | { unknown: string[] }> {
  if (names.length === 0) return { names: [] };
  const keys = [...new Set(names.map((name) => name.toLowerCase()))];
  const rows = await database
    .select({ name: labels.name })
    .from(labels)
    .where(inArray(sql`lower(${labels.name})`, keys));
  const byKey = new Map(rows.map((row) => [row.name.toLowerCase(), row.name]));
  const unknown = keys.filter((key) => !byKey.has(key));
  if (unknown.length > 0) return { unknown: names.filter((name) => unknown.includes(name.toLowerCase())) };
  return { names: keys.map((key) => byKey.get(key)!) };
}

/** The label's name as stored, or a 400 naming `field` when no label has that name. */
export async function labelNamed(database: Db, name: string, field: string): Promise<string> {
  const resolved = await resolveLabelNames(database, [name]);
  if ("unknown" in resolved) throw new ApiError(400, "invalid_request", `${field}: no label is named "${name}".`);
  return resolved.names[0]!;
}

/**
 * Deletes the label and takes it off every ticket D1 knows to have it, in one batch. Answers the
 * label's name and those tickets (their objects must drop it too), or null when there is no such label.
 */
export async function deleteLabel(database: Db, id: string): Promise<{ name: string; ticketIds: string[] } | null> {
  const label = await database.select().from(labels).where(eq(labels.id, id)).get();
  if (!label) return null;
  const labelled = await database.select({ ticketId: ticketLabels.ticketId }).from(ticketLabels).where(eq(ticketLabels.label, label.name));
  const withIt = sql`${tickets.id} IN (SELECT ${ticketLabels.ticketId} FROM ${ticketLabels} WHERE ${ticketLabels.label} = ${label.name})`;
  await database.batch([
    database
      .update(tickets)
      .set({ labels: sql`(SELECT json_group_array(value) FROM json_each(${tickets.labels}) WHERE value <> ${label.name})` })
      .where(withIt),
    database.delete(ticketLabels).where(eq(ticketLabels.label, label.name)),
    database.delete(labels).where(eq(labels.id, id)),
  ]);
  return { name: label.name, ticketIds: labelled.map((row) => row.ticketId) };
}

/**
 * Brings the tickets' ticket_labels rows in line with their rows in `tickets` as they now stand
 * (run after the tickets' upserts in the same batch): a row per label, each with the ticket's
 * visibility, status and activity. Read from D1's row rather than the record written, so that a
 * record older than D1's (which the upsert leaves alone) changes nothing here either.
 */
export function syncTicketLabels(database: Db, ticketIds: string[]): [BatchItem<"sqlite">, BatchItem<"sqlite">] {
  const labelled = sql`FROM ${tickets} t, json_each(t.labels) j WHERE t.id IN ${ticketIds}`;
  return [
    database
      .delete(ticketLabels)
      .where(and(inArray(ticketLabels.ticketId, ticketIds), sql`(${ticketLabels.ticketId}, ${ticketLabels.label}) NOT IN (SELECT t.id, j.value ${labelled})`)),
    database
      .insert(ticketLabels)
      .select(sql`SELECT t.id, j.value, t.visible, t.status, t.last_message_at ${labelled}`)
      .onConflictDoUpdate({
        target: [ticketLabels.ticketId, ticketLabels.label],
        set: { visible: sql`excluded.visible`, status: sql`excluded.status`, lastMessageAt: sql`excluded.last_message_at` },
        setWhere: sql`${ticketLabels.visible} IS NOT excluded.visible OR ${ticketLabels.status} IS NOT excluded.status
          OR ${ticketLabels.lastMessageAt} IS NOT excluded.last_message_at`,
      }),
  ];
}
