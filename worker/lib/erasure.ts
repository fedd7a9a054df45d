// Erasing a customer (spec v2 "Customer data rights", docs/data-rights.md). D1's share of it:
// the profile is emptied (the row stays, because report counts point at it), its events go, and
// each ticket's object erases its conversation and has D1's traces of it deleted with its last
// write (ticketTraces); then the shopper's uploads that no message carried. Every step may run
// again: a DELETE that failed halfway is sent again.
import { eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { emailLog, events, handoffs, mentions, notes, profiles, searchDocuments, ticketLabels, tickets, webhookDeliveries } from "../db/schema";
import { nowIso } from "./ids";
import { conversationStub } from "./stubs";
import { deleteCustomerUploads } from "./uploads";

/** Ticket objects asked at once. */
const CONCURRENT_TICKETS = 10;

/**
 * What D1 holds of erased tickets besides their rows: notes (their search documents go with
 * them, by trigger), mentions, every search document, and the email, handoff and webhook logs.
 */
export function ticketTraces(database: Db, ticketIds: string[]): BatchItem<"sqlite">[] {
  return [
    database.delete(notes).where(inArray(notes.ticketId, ticketIds)),
    database.delete(mentions).where(inArray(mentions.ticketId, ticketIds)),
    database.delete(searchDocuments).where(inArray(searchDocuments.ticketId, ticketIds)),
    database.delete(emailLog).where(inArray(emailLog.ticketId, ticketIds)),
    database.delete(handoffs).where(inArray(handoffs.ticketId, ticketIds)),
    database.delete(webhookDeliveries).where(inArray(webhookDeliveries.ticketId, ticketIds)),
  ];
}

/**
 * Tickets D1 has but no object ever held (their opening failed halfway): D1's row is all there
 * is, and it becomes a report count here.
 */
function eraseRowsOnly(database: Db, ticketIds: string[], at: string): BatchItem<"sqlite">[] {
  return [
    database
      .update(tickets)
      .set({
        customerName: null,
        preview: null,
        visible: false,
        handledByAi: false,
        labels: [],
        ratingComment: null,
        status: "closed",
        snoozeUntil: null,
        closedAt: sql`coalesce(${tickets.closedAt}, ${at})`,
        erasedAt: at,
        version: sql`${tickets.version} + 1`,
      })
      .where(inArray(tickets.id, ticketIds)),
    database.delete(ticketLabels).where(inArray(ticketLabels.ticketId, ticketIds)),
    ...ticketTraces(database, ticketIds),
  ];
}

/**
 * Erases the profile's person: "erased" when nothing of them is left, "owed" when a ticket's
 * object still has to finish (its alarm does), null for an unknown profile.
 */
export async function eraseProfile(env: Env, database: Db, profileId: string): Promise<"erased" | "owed" | null> {
  const profile = await database.select({ erasedAt: profiles.erasedAt }).from(profiles).where(eq(profiles.id, profileId)).get();
  if (!profile) return null;
  const at = profile.erasedAt ?? nowIso();
  // First, so that no new ticket, event or text can find the person while their tickets are erased.
  await database.batch([
    database
      .update(profiles)
      .set({ externalId: null, email: null, phone: null, name: null, newTicketEmailAt: null, erasedAt: at, updatedAt: at })
      .where(eq(profiles.id, profileId)),
    database.delete(events).where(eq(events.profileId, profileId)),
  ]);
  const ticketIds = (await database.select({ id: tickets.id }).from(tickets).where(eq(tickets.profileId, profileId))).map((row) => row.id);
  const outcomes: Array<"erased" | "owed" | "unknown"> = [];
  for (let start = 0; start < ticketIds.length; start += CONCURRENT_TICKETS) {
    const chunk = ticketIds.slice(start, start + CONCURRENT_TICKETS);
    outcomes.push(...(await Promise.all(chunk.map((id) => conversationStub(env, id).erase()))));
  }
  const rowsOnly = ticketIds.filter((_, index) => outcomes[index] === "unknown");
  if (rowsOnly.length > 0) await database.batch(eraseRowsOnly(database, rowsOnly, at) as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  // The tickets' objects delete the images their messages carry; these are the shopper's uploads never sent.
  await deleteCustomerUploads(env.UPLOADS, database, profileId);
  return outcomes.includes("owed") ? "owed" : "erased";
}
