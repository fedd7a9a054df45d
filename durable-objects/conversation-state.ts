// The state a Conversation object keeps in its own SQLite storage, and the pure rules that
// change it. Kept apart from the object so that the rules read without the plumbing.
import type { AiModeT, AiNoteT, AttachmentT, AuthorT, DeliveryT, HandoffTargetT, MessageT, SideT, TicketT } from "../contract";
import type { TicketRecord } from "../worker/lib/tickets";

/** A handoff to an outside help desk: owed until delivered, retried with backoff meanwhile. */
export type HandoffJob = {
  target: "zendesk" | "gorgias";
  status: "pending" | "delivered" | "failed";
  attempts: number;
  /** When the next attempt is due (ms since the epoch), while pending. */
  nextAt: number | null;
  lastError: string | null;
  externalId: string | null;
  summary: string;
  /** The transcript is the thread up to here, the same on every attempt (Zendesk's idempotency key needs the same body). */
  upToSeq: number;
  createdAt: string;
};

/** The AI agent's part of the conversation. */
export type AiState = {
  mode: AiModeT;
  /** Where the conversation went when the AI handed it off. */
  handedTo: HandoffTargetT | null;
  /** Answers the AI has given (the "after N unresolved turns" rule counts them). */
  turns: number;
  /** The newest customer message the AI has dealt with. */
  answeredSeq: number;
  /** Since when an answer is owed (ms): an answer lost to an eviction is taken up again by the alarm. */
  owedSince: number | null;
  handoff: HandoffJob | null;
};

export type ConversationState = TicketRecord & {
  ai: AiState;
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
  /** The Worker's origin as the newest request reached it: links in emails, Twilio's callbacks. */
  origin: string | null;
  /** SMS tickets: the customer's number, which replies go to. */
  smsTo: string | null;
  /** Whether the team and webhooks have been told of this ticket (it entered the inbox). */
  announced: boolean;
  /** The team's notification emails: when the last went out, and the customer message it covered. */
  notify: { lastEmailAt: number | null; emailedSeq: number };
};

/** What conversations stored before SMS, emails and webhooks lack; visible ones were announced then. */
export function withOutboxFields(state: ConversationState): ConversationState {
  state.origin ??= null;
  state.smsTo ??= null;
  state.announced ??= state.visible;
  state.notify ??= { lastEmailAt: null, emailedSeq: state.lastCustomerSeq };
  return state;
}

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
  ai: string | null;
  delivery: string | null;
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
    created_at TEXT NOT NULL,
    ai TEXT,
    delivery TEXT
  );
  -- The Twilio ids of SMS an agent sent again: their late status callbacks are not the new send's.
  CREATE TABLE IF NOT EXISTS replaced_sms (sid TEXT PRIMARY KEY);`;

/** Conversations created before the AI agent or SMS lack their columns: they are added on wake-up. */
export function migrateMessages(sql: SqlStorage): void {
  const columns = new Set(sql.exec<{ name: string }>("PRAGMA table_info(messages)").toArray().map((column) => column.name));
  for (const column of ["ai", "delivery"]) if (!columns.has(column)) sql.exec(`ALTER TABLE messages ADD COLUMN ${column} TEXT`);
}

/** The AI state of a conversation stored before the AI agent existed: people were already answering it. */
export function initialAiState(mode: AiModeT): AiState {
  return { mode, handedTo: null, turns: 0, answeredSeq: 0, owedSince: null, handoff: null };
}

export function messageFromRow(row: MessageRow): MessageT {
  return {
    seq: row.seq,
    id: row.id,
    clientId: row.client_id,
    author: { kind: row.author_kind, id: row.author_id, name: row.author_name },
    body: row.body,
    attachments: JSON.parse(row.attachments) as AttachmentT[],
    createdAt: row.created_at,
    ...(row.ai ? { ai: JSON.parse(row.ai) as AiNoteT } : {}),
    ...(row.delivery ? { delivery: JSON.parse(row.delivery) as DeliveryT } : {}),
  };
}

/** The AI has the conversation: answering it, or handed off somewhere other than the inbox. */
export function aiHasIt(state: ConversationState): boolean {
  return state.ai.mode === "answering" || (state.ai.mode === "handed_off" && state.ai.handedTo !== "inbox");
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
    // A customer who wrote makes a ticket visible unless the AI has it.
    handledByAi: !state.visible && state.lastCustomerSeq > 0,
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
