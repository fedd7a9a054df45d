// Private notes (spec v2 "Notes, mentions, labels"): the team's own words on a ticket, which no
// customer ever sees. They take no message seq, so the customer's thread stays gap-free.
import { z } from "@hono/zod-openapi";
import { ClientId, isoTime, MessageBody } from "./models";

export const NoteAuthor = z.object({ kind: z.literal("agent"), id: z.string(), name: z.string().nullable() });

export const Note = z
  .object({
    id: z.string(),
    clientId: z.string(),
    ticketId: z.string(),
    author: NoteAuthor,
    body: z.string(),
    mentions: z.array(z.string()).openapi({ description: "The ids of the agents the body mentions (`@Name` or `@email`)" }),
    createdAt: isoTime,
  })
  .openapi("Note");

/** The same limits as a message's body (contract/limits.ts). */
export const NoteInput = z.object({ clientId: ClientId, body: MessageBody }).openapi("NoteInput");
export const NoteResponse = z.object({ note: Note }).openapi("NoteResponse");
export const NoteList = z.object({ notes: z.array(Note) }).openapi("NoteList");

export type NoteT = z.infer<typeof Note>;
export type NoteInputT = z.infer<typeof NoteInput>;
export type NoteResponseT = z.infer<typeof NoteResponse>;
export type NoteListT = z.infer<typeof NoteList>;
