// A customer's data rights (spec v2 "Customer data rights", docs/data-rights.md): the export
// gathers what D1 holds of the profile (profile, events, tickets, notes) and what each ticket's
// object holds (its messages and their images).
import { asc, eq } from "drizzle-orm";
import type { MessageT, ProfileExportT } from "../../contract";
import type { Db } from "../db/client";
import { events, tickets } from "../db/schema";
import { toStoreEvent } from "./events";
import { nowIso } from "./ids";
import { listNotes } from "./notes";
import { getProfile } from "./profiles";
import { conversationStub } from "./stubs";
import { ticketFromRow } from "./tickets";

/** Messages read from a ticket's object per call. */
const HISTORY_PAGE = 500;

/** Every message of the ticket, oldest first. */
async function allMessages(env: Env, ticketId: string): Promise<MessageT[]> {
  const stub = conversationStub(env, ticketId);
  const pages: MessageT[][] = [];
  let before: number | null = null;
  for (;;) {
    const page = await stub.history(before, HISTORY_PAGE);
    pages.unshift(page);
    if (page.length < HISTORY_PAGE) break;
    before = page[0]!.seq;
  }
  return pages.flat();
}

/** Everything Parley holds of the profile's person, or null when there is no such profile. */
export async function exportProfile(env: Env, database: Db, profileId: string): Promise<ProfileExportT | null> {
  const profile = await getProfile(database, profileId);
  if (!profile) return null;
  const [eventRows, ticketRows] = await Promise.all([
    database.select().from(events).where(eq(events.profileId, profileId)).orderBy(asc(events.occurredAt)),
    database.select().from(tickets).where(eq(tickets.profileId, profileId)).orderBy(asc(tickets.createdAt)),
  ]);
  const threads = await Promise.all(
    ticketRows.map(async (row) => ({
      ticket: ticketFromRow(row),
      messages: await allMessages(env, row.id),
      notes: await listNotes(database, row.id),
    })),
  );
  return {
    exportedAt: nowIso(),
    profile,
    events: eventRows.map(toStoreEvent),
    tickets: threads,
    uploads: threads.flatMap(({ ticket, messages }) =>
      messages.flatMap((message) =>
        message.attachments.map(({ url, contentType, size }) => ({ ticketId: ticket.id, seq: message.seq, url, contentType, size })),
      ),
    ),
  };
}
