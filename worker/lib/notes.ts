// The team's private notes on a ticket and the mentions in them. They live in D1 only, apart
// from the ticket's message log: nothing that reaches the customer (their socket, their history,
// SMS, email, webhooks) reads from here.
import { and, asc, eq, sql } from "drizzle-orm";
import type { AgentT, NoteT } from "../../contract";
import type { Db } from "../db/client";
import { mentions, notes } from "../db/schema";
import { ApiError } from "./errors";
import { newId, nowIso } from "./ids";

type Row = typeof notes.$inferSelect;

const noteFromRow = (row: Row): NoteT => ({
  id: row.id,
  clientId: row.clientId,
  ticketId: row.ticketId,
  author: { kind: "agent", id: row.authorId, name: row.authorName },
  body: row.body,
  mentions: row.mentions as string[],
  createdAt: row.createdAt,
});

const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}_]/u.test(char);

/**
 * The agents `body` mentions, in order of first mention: `@` and an agent's name or email,
 * case-insensitive, the longest one that fits where a word ends ("@Ada Lindqvist" is Ada
 * Lindqvist, not an Ada; "@Adamant" is nobody). An `@` inside a word (an email address) starts
 * nothing.
 */
export function findMentions(body: string, team: Pick<AgentT, "id" | "name" | "email">[]): string[] {
  const handles = team
    .flatMap((agent) => [agent.name, agent.email].map((handle) => ({ id: agent.id, handle: handle.toLowerCase() })))
    .filter(({ handle }) => handle.length > 0)
    .sort((a, b) => b.handle.length - a.handle.length);
  const text = body.toLowerCase();
  const found: string[] = [];
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    if (isWordChar(text[at - 1])) continue;
    const start = at + 1;
    const match = handles.find(({ handle }) => text.startsWith(handle, start) && !isWordChar(text[start + handle.length]));
    if (match && !found.includes(match.id)) found.push(match.id);
  }
  return found;
}

export type NoteDraft = { ticketId: string; clientId: string; body: string; author: { id: string; name: string } };

/**
 * Stores a note with its mentions (one batch), or answers the note its clientId already names
 * (`duplicate`). A clientId another agent used in this ticket is refused, as for messages.
 */
export async function createNote(database: Db, draft: NoteDraft, team: AgentT[]): Promise<{ note: NoteT; duplicate: boolean }> {
  const stored = await noteByClientId(database, draft.ticketId, draft.clientId);
  if (stored) return { note: sameAuthor(stored, draft), duplicate: true };
  const note: NoteT = {
    id: newId("note"),
    clientId: draft.clientId,
    ticketId: draft.ticketId,
    author: { kind: "agent", id: draft.author.id, name: draft.author.name },
    body: draft.body,
    mentions: findMentions(draft.body, team),
    createdAt: nowIso(),
  };
  const [inserted] = await database.batch([
    database
      .insert(notes)
      .values({
        id: note.id,
        clientId: note.clientId,
        ticketId: note.ticketId,
        authorId: draft.author.id,
        authorName: draft.author.name,
        body: note.body,
        mentions: note.mentions,
        createdAt: note.createdAt,
      })
      .onConflictDoNothing()
      .returning({ id: notes.id }),
    // Only if the note above went in: the same clientId sent twice at once stores one note and its mentions once.
    ...note.mentions.map((agentId) =>
      database.insert(mentions).select(
        database
          .select({ agentId: sql<string>`${agentId}`.as("agent_id"), noteId: notes.id, ticketId: notes.ticketId, createdAt: notes.createdAt })
          .from(notes)
          .where(eq(notes.id, note.id)),
      ),
    ),
  ]);
  if (inserted.length > 0) return { note, duplicate: false };
  const winner = await noteByClientId(database, draft.ticketId, draft.clientId);
  if (!winner) throw new Error(`note ${draft.clientId} in ticket ${draft.ticketId}: neither stored nor found`);
  return { note: sameAuthor(winner, draft), duplicate: true };
}

function sameAuthor(stored: NoteT, draft: NoteDraft): NoteT {
  if (stored.author.id !== draft.author.id) {
    throw new ApiError(400, "invalid_request", "clientId: already used by another author; generate a unique clientId per note.");
  }
  return stored;
}

async function noteByClientId(database: Db, ticketId: string, clientId: string): Promise<NoteT | null> {
  const row = await database
    .select()
    .from(notes)
    .where(and(eq(notes.ticketId, ticketId), eq(notes.clientId, clientId)))
    .get();
  return row ? noteFromRow(row) : null;
}

/** The ticket's notes, oldest first (the order of the thread). */
export async function listNotes(database: Db, ticketId: string): Promise<NoteT[]> {
  const rows = await database.select().from(notes).where(eq(notes.ticketId, ticketId)).orderBy(asc(notes.createdAt), asc(notes.id));
  return rows.map(noteFromRow);
}
