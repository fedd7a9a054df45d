// The state a Conversation object keeps in its own SQLite storage, and the pure rules that
// change it. Kept apart from the object so that the rules read without the plumbing.
import type { AttachmentT, AuthorT, MessageT, SideT, TicketT } from "../worker/contract";
import type { TicketRecord } from "../worker/lib/tickets";

export type ConversationState = TicketRecord & {
  lastSeq: number;
  lastCustomerSeq: number;
  reads: Record<SideT, number>;
  /** The closed period that already got its closed-hours reply. */
  closedReplyPeriod: string | null;
  /** The newest version D1 is known to hold, and when the next write to it is due. */
  syncedVersion: number;
  syncDueAt: number | null;
  syncAttempts: number;
  /** When the last D1 write landed (ms since the epoch; 0 before the first). */
  lastSyncAt: number;
};

export type MessageRow = {
  seq: number;
  id: string;
  client_id: string | null;
  author_kind: AuthorT["kind"];
  author_id: string | null;
  author_name: string | null;
  body: string;
  attachments: string;
  created_at: string;
};

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    client_id TEXT UNIQUE,
    author_kind TEXT NOT NULL,
    author_id TEXT,
    author_name TEXT,
    body TEXT NOT NULL,
    attachments TEXT NOT NULL,
    created_at TEXT NOT NULL
  );`;

export function messageFromRow(row: MessageRow): MessageT {
  return {
    seq: row.seq,
    id: row.id,
    clientId: row.client_id,
    author: { kind: row.author_kind, id: row.author_id, name: row.author_name },
    body: row.body,
    attachments: JSON.parse(row.attachments) as AttachmentT[],
    createdAt: row.created_at,
  };
}

export function publicTicket(state: ConversationState): TicketT {
  return {
    id: state.id,
    channel: state.channel,
    status: state.status,
    snoozeUntil: state.snoozeUntil,
    assigneeId: state.assigneeId,
    profileId: state.profileId,
    customerName: state.customerName,
    preview: state.preview,
    unread: state.lastCustomerSeq > state.reads.agent,
    lastMessageAt: state.lastMessageAt,
    createdAt: state.createdAt,
    closedAt: state.closedAt,
  };
}

export function ticketRecord(state: ConversationState): TicketRecord {
  return { ...publicTicket(state), visible: state.visible, version: state.version };
}

export const PREVIEW_CHARS = 140;

export function previewOf(body: string): string {
  const text = body.replace(/\s+/g, " ").trim();
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}
