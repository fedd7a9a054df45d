// What a ticket's object keeps in its own SQLite storage, and the pure rules that read it.
//
// Two kinds of state. The stored state is one JSON row, written only when something other than
// the message log changes (status, assignee, reads, the AI's part, what D1 last got). What follows
// from the log alone (the last seq, the preview, when the last message came) is derived from it
// when the object wakes and kept in memory, so a message is one row written, nothing more.
import type { AiModeT, AiNoteT, AiSourceT, AttachmentT, AuthorT, DeliveryT, HandoffTargetT, Locale, MessageT, SideT, TicketT } from "../../contract";
import { previewOf } from "../../contract/text";
import { nowIso } from "../../worker/lib/ids";
import type { ReportFacts, TicketRecord } from "../../worker/lib/tickets";
import type { HandoffJob } from "./rpc";

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
  /** The suggestions the shopper may still pick from: the message that offered them, and each one's answer. */
  offer: AiOffer | null;
};

export type AiOffer = { seq: number; options: { source: AiSourceT; answer: string }[] };

type TicketFields = Pick<
  TicketT,
  "id" | "channel" | "status" | "snoozeUntil" | "assigneeId" | "profileId" | "customerName" | "createdAt" | "closedAt" | "labels" | "rating"
>;

export type StoredState = TicketFields & {
  /** Whether agents see the ticket: from the customer's first message, unless the AI has it. */
  visible: boolean;
  /** Bumped by every stored change; the ticket's version (what D1 orders writes by) adds the log's last seq. */
  version: number;
  ai: AiState;
  /** Read marks as the `read` frames set them (an agent's reply also counts as reading). */
  reads: Record<SideT, number>;
  /** The closed period that already got its closed-hours reply. */
  closedReplyPeriod: string | null;
  /**
   * The newest version D1 holds, failed attempts since, and when the last write landed (ms);
   * `indexedSeq`: the search index holds the messages up to it (absent: none yet).
   */
  sync: { version: number; attempts: number; at: number; indexedSeq?: number };
  /** The Worker's origin as the newest request reached it: links in emails, Twilio's callbacks. */
  origin: string | null;
  /** SMS tickets: the customer's number, which replies go to. */
  smsTo: string | null;
  /** Whether the team and webhooks have been told of this ticket (it entered the inbox). */
  announced: boolean;
  /** The team's notification emails: when the last went out, and the customer message it covered. */
  notify: { lastEmailAt: number | null; emailedSeq: number };
  /** The shopper's language, as the widget gave it when starting the chat: automatic replies use it; null is the default texts. */
  locale: Locale | null;
  /** SMS tickets: when the rating question went out by text (ms), so that a reply 1–5 within a day is taken as the rating. */
  ratingAskedAt: number | null;
  /** Email continuity: the newest agent reply the shopper got by email (or needed not), and when the last email went (ms). */
  continuity: { emailedSeq: number; lastEmailAt: number | null };
  /** The customer was erased (erasure.ts): when, the report facts their log gave, and the images still to delete from R2. */
  erasure: ErasureRecord | null;
};

export type ErasureRecord = { at: string; facts: ReportFacts; uploads: string[] };

/** What the message log says, kept in memory: derived at wake-up, moved on by each message. */
export type LogSummary = {
  lastSeq: number;
  lastCustomerSeq: number;
  lastAgentSeq: number;
  /** The last message's text: the ticket's preview is cut from it when someone reads the ticket, not per message. */
  lastBody: string | null;
  lastMessageAt: string | null;
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
  const columns = new Set(
    sql
      .exec<{ name: string }>("PRAGMA table_info(messages)")
      .toArray()
      .map((column) => column.name),
  );
  for (const column of ["ai", "delivery"]) if (!columns.has(column)) sql.exec(`ALTER TABLE messages ADD COLUMN ${column} TEXT`);
}

/** The AI state of a conversation stored before the AI agent existed: people were already answering it. */
export function initialAiState(mode: AiModeT): AiState {
  return { mode, handedTo: null, turns: 0, answeredSeq: 0, owedSince: null, handoff: null, offer: null };
}

/**
 * The stored state as this version reads it. Conversations stored by earlier versions kept
 * derived fields in the row, and their sync bookkeeping apart: both are carried over.
 */
export function readStoredState(data: string): StoredState {
  const stored = JSON.parse(data) as StoredState & Partial<{ syncedVersion: number; syncAttempts: number; lastSyncAt: number; lastCustomerSeq: number }>;
  stored.sync ??= { version: stored.syncedVersion ?? 0, attempts: stored.syncAttempts ?? 0, at: stored.lastSyncAt ?? 0 };
  stored.ai ??= initialAiState((stored.lastCustomerSeq ?? 0) > 0 ? "off" : null);
  stored.ai.offer ??= null;
  stored.origin ??= null;
  stored.smsTo ??= null;
  stored.announced ??= stored.visible;
  stored.notify ??= { lastEmailAt: null, emailedSeq: stored.lastCustomerSeq ?? 0 };
  // Conversations from before the shopper's language have the default texts.
  stored.locale ??= null;
  stored.labels ??= [];
  stored.rating ??= null;
  stored.ratingAskedAt ??= null;
  stored.continuity ??= { emailedSeq: 0, lastEmailAt: null };
  stored.erasure ??= null;
  return stored;
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

/** The log's summary, read once when the object wakes: the last message, and the last of each side. */
export function summarizeLog(sql: SqlStorage): LogSummary {
  const last = sql.exec<{ seq: number; body: string; created_at: string }>("SELECT seq, body, created_at FROM messages ORDER BY seq DESC LIMIT 1").toArray()[0];
  // Walks back from the newest message to the side's last one: a few rows in a live conversation.
  const lastOf = (kind: string) =>
    sql.exec<{ seq: number }>("SELECT seq FROM messages WHERE author_kind = ? ORDER BY seq DESC LIMIT 1", kind).toArray()[0]?.seq ?? 0;
  return {
    lastSeq: last?.seq ?? 0,
    lastCustomerSeq: lastOf("customer"),
    lastAgentSeq: lastOf("agent"),
    lastBody: last?.body ?? null,
    lastMessageAt: last?.created_at ?? null,
  };
}

/** The AI has the conversation: answering it, or handed off somewhere other than the inbox. */
export function aiHasIt(state: StoredState): boolean {
  return state.ai.mode === "answering" || (state.ai.mode === "handed_off" && state.ai.handedTo !== "inbox");
}

/** Closes the conversation for good (a closed ticket never reopens); the caller commits. */
export function closeConversation(state: StoredState): void {
  state.status = "closed";
  state.closedAt = nowIso();
  state.snoozeUntil = null;
}

/** What agents have read: what they marked, and everything up to their own last reply. */
export const agentRead = (state: StoredState, log: LogSummary) => Math.max(state.reads.agent, log.lastAgentSeq);

export function publicTicket(state: StoredState, log: LogSummary): TicketT {
  return {
    id: state.id,
    channel: state.channel,
    status: state.status,
    snoozeUntil: state.snoozeUntil,
    assigneeId: state.assigneeId,
    profileId: state.profileId,
    customerName: state.customerName,
    preview: log.lastBody === null ? null : previewOf(log.lastBody),
    unread: log.lastCustomerSeq > agentRead(state, log),
    lastMessageAt: log.lastMessageAt,
    createdAt: state.createdAt,
    closedAt: state.closedAt,
    // A customer who wrote makes a ticket visible unless the AI has it.
    handledByAi: !state.visible && log.lastCustomerSeq > 0,
    labels: state.labels,
    rating: state.rating,
  };
}

export const ticketVersion = (state: StoredState, log: LogSummary) => state.version + log.lastSeq;

export function ticketRecord(state: StoredState, log: LogSummary): TicketRecord {
  const record: TicketRecord = { ...publicTicket(state, log), visible: state.visible, version: ticketVersion(state, log) };
  return state.erasure ? { ...record, erasedAt: state.erasure.at } : record;
}
