// One Durable Object per ticket: the single writer of its message log. It gives every message
// its gap-free `seq`, acks only what is durable, fans frames out over hibernatable WebSockets,
// and owes D1 (the inbox index) a coalesced, retried write of every change.
import { DurableObject } from "cloudflare:workers";
import {
  ClientFrame,
  cutToLength,
  MAX_BODY_CHARS,
  MAX_FRAME_BYTES,
  MAX_MMS_MEDIA,
  MAX_SMS_CHARS,
  smsSegments,
  type AiNoteT,
  type AttachmentT,
  type ClientFrameT,
  type DeliveryStatusT,
  type DeliveryT,
  type SmsKeyword,
  type WebhookEventTypeT,
  type FrameErrorCodeT,
  type MessageT,
  type ServerFrame,
  type SettingsT,
  type SideT,
  type TicketStatusT,
  type TicketT,
} from "../contract";
import { db } from "../worker/db/client";
import { decide, handoffSummary, questionOf } from "../worker/lib/ai/agent";
import { handoff } from "../worker/lib/ai/prompt";
import type { Answer } from "../worker/lib/ai/types";
import { errorBody } from "../worker/lib/errors";
import { createExternalTicket, deskName } from "../worker/lib/handoff/deliver";
import { recordHandoff } from "../worker/lib/handoff/log";
import { newId, nowIso } from "../worker/lib/ids";
import { DeliveryError } from "../worker/lib/outbound";
import { closedPeriodId } from "../worker/lib/office-hours";
import { sendTicketNotification } from "../worker/lib/notify/send";
import { claimNewTicketEmail } from "../worker/lib/notify/throttle";
import { DEFAULT_SETTINGS, loadSettings } from "../worker/lib/settings";
import { isOptedOut } from "../worker/lib/sms/opt-outs";
import { sendTwilioMessage, twilioConfig, type TwilioConfig } from "../worker/lib/sms/twilio";
import { inboxStub } from "../worker/lib/stubs";
import { writeTicketRecord, type TicketRecord } from "../worker/lib/tickets";
import { deliverWebhook } from "../worker/lib/webhooks/deliver";
import { activeWebhooks, recordDelivery } from "../worker/lib/webhooks/endpoints";
import { webhookEventBody, type WebhookEventData } from "../worker/lib/webhooks/events";
import {
  SCHEMA,
  aiHasIt,
  initialAiState,
  messageFromRow,
  migrateMessages,
  previewOf,
  publicTicket,
  ticketRecord,
  withOutboxFields,
  type ConversationState,
  type HandoffJob,
  type MessageRow,
} from "./conversation-state";
import { Outbox, type Job, type JobKind } from "./outbox";
import {
  answerClose,
  broadcastFrame,
  endSession,
  endSocket,
  identityTags,
  liveSockets,
  readIdentity,
  sendFrame,
  type Participant,
  type SocketIdentity,
} from "./sockets";

export type SendInput = { clientId: string; body: string; attachments?: Array<{ key: string }> };
export type Refusal = { ok: false; code: FrameErrorCodeT | "not_found" | "invalid_request"; message: string };
export type PostResult = { ok: true; message: MessageT; duplicate: boolean } | Refusal;
export type UpdateResult = { ok: true; ticket: TicketT } | Refusal;
export type TicketPatch = { status?: TicketStatusT; snoozeUntil?: string | null; assigneeId?: string | null };

const SETTINGS_CACHE_MS = 10_000;
const MAX_SYNC_BACKOFF_MS = 60_000;
const MIN_SYNC_INTERVAL_MS = 1_000;
/** The name the AI agent types under. */
const ASSISTANT_NAME = "AI assistant";
/** An answer owed for this long was lost (an eviction mid-answer): the alarm takes it up again. */
const ANSWER_WATCHDOG_MS = 30_000;
/** How much of the thread the AI reads, and what goes into an outside ticket's transcript. */
const AI_HISTORY_MESSAGES = 30;
const AI_UNANSWERED_MESSAGES = 50;
const TRANSCRIPT_MESSAGES = 1_000;
/** A help desk's Retry-After is respected up to this: the customer is waiting. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Attempts at an outside handoff before the conversation goes to the inbox instead. */
const MAX_HANDOFF_ATTEMPTS = 8;
/** Longer than a help desk request may take (the clients time out sooner). */
const HANDOFF_LEASE_MS = 60_000;

/** Longer than any outside request may take (the clients time out sooner). */
const OUTBOX_LEASE_MS = 60_000;
/** The longest wait between two attempts, by kind. */
const MAX_BACKOFF_MS: Record<JobKind, number> = { sms: 5 * 60_000, email: 10 * 60_000, fanout: 60_000, webhook: 60 * 60_000 };
/** An SMS Twilio could not take for this long is marked failed: the agent decides whether to send it again. */
const SMS_GIVE_UP_MS = 24 * 60 * 60_000;
/** About half a day of retries at the capped backoff. */
const MAX_WEBHOOK_ATTEMPTS = 20;
const MAX_EMAIL_ATTEMPTS = 8;
/** The newest customer messages a notification email quotes. */
const EMAIL_MESSAGES = 5;
const DELIVERY_RANK: Record<DeliveryStatusT, number> = { queued: 0, sent: 1, delivered: 2, failed: 3 };

/**
 * The status after news of `status`: reports arrive out of order, so a status never moves back,
 * and an outcome (delivered, failed) is final.
 */
function advancedDelivery(delivery: DeliveryT, status: DeliveryStatusT): DeliveryStatusT {
  const settled = delivery.status === "delivered" || delivery.status === "failed";
  return !settled && (status === "failed" || DELIVERY_RANK[status] > DELIVERY_RANK[delivery.status]) ? status : delivery.status;
}
const KEYWORD_NOTES: Record<SmsKeyword, string | null> = {
  stop: "The customer texted STOP: this number gets no more SMS until they text START, so replies are refused.",
  start: "The customer texted START: replies by SMS reach them again.",
  help: null,
};

export type InboundSms = { sid: string; body: string; attachments: Array<{ key: string }>; phone: string; keyword: SmsKeyword | null };
type SmsJob = { seq: number };
/** `claimed`: this new-ticket email holds the customer's turn (see claimNewTicketEmail). */
type EmailJob = { kind: "new_ticket" | "customer_reply"; sent: string[]; claimed?: boolean };
/** The team's email and the assignee's run apart: one retrying never holds up the other. */
const emailLane = (kind: EmailJob["kind"]) => `email:${kind}`;
type FanoutJob = { type: WebhookEventTypeT; body: string };
type WebhookJob = { deliveryId: string; webhookId: string; event: WebhookEventTypeT; body: string };
/** Done (or given up, with its failure recorded), or tried again at `retryAt` with `payload`. */
type JobOutcome = "done" | { retryAt: number; payload: unknown };

const refuse = (code: Refusal["code"], message: string): Refusal => ({ ok: false, code, message });

export class Conversation extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly outbox: Outbox;
  private readonly runningLanes = new Set<string>();
  private twilioCache: { value: TwilioConfig; at: number } | null = null;
  private webhooksCache: { value: Awaited<ReturnType<typeof activeWebhooks>>; at: number } | null = null;
  /** Replies in an SMS ticket are checked (D1) before they take a seq: one at a time, in order. */
  private smsReplies: Promise<unknown> = Promise.resolve();
  /**
   * Send budgets per sender and per IP, however many sockets they open. They live in memory:
   * the object only hibernates after its sockets have been quiet, when a bucket is full anyway.
   */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private settingsCache: { value: SettingsT; at: number } | null = null;
  /** The stored state as last read or written; undefined until first needed after a wake-up. */
  private state: ConversationState | null | undefined;
  /** The alarm as last read or set; undefined until first needed after a wake-up. */
  private alarmAt: number | null | undefined;
  /** One AI answer at a time; messages that arrive meanwhile get the next round. */
  private responding = false;
  private respondAgain = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    migrateMessages(this.sql);
    this.outbox = new Outbox(this.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  // ---- state -------------------------------------------------------------------------------

  /**
   * Storage is the truth; the object is its only writer, so a copy read once per wake-up stays
   * exact (every save writes through). After hibernation or eviction it is read again.
   */
  private load(): ConversationState | null {
    if (this.state === undefined) {
      const row = this.sql.exec<{ data: string }>("SELECT data FROM state WHERE id = 1").toArray()[0];
      this.state = row ? withOutboxFields(JSON.parse(row.data) as ConversationState) : null;
      if (this.state) this.state.ai ??= initialAiState(this.state.lastCustomerSeq > 0 ? "off" : null);
    }
    return this.state;
  }

  private save(state: ConversationState): void {
    this.sql.exec("INSERT INTO state (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data", JSON.stringify(state));
    this.state = state;
  }

  /**
   * Records a change: bumps the version and makes sure a D1 write of it is scheduled. A ticket
   * that has just entered the inbox is announced to the team and the webhooks here, whichever
   * path brought it in.
   */
  private commit(state: ConversationState): void {
    if (state.visible && !state.announced) this.announce(state);
    state.version += 1;
    state.syncDueAt ??= this.nextSyncAt(state);
    this.save(state);
  }

  /**
   * A change waits D1_SYNC_DELAY_MS to gather the rest of its burst; a conversation that keeps
   * going is written at most once per MIN_SYNC_INTERVAL_MS, so D1 load stays per ticket, not per message.
   */
  private nextSyncAt(state: ConversationState): number {
    return Math.max(Date.now() + Number(this.env.D1_SYNC_DELAY_MS ?? 250), state.lastSyncAt + MIN_SYNC_INTERVAL_MS);
  }

  /**
   * One alarm serves everything that is due later: the owed D1 write, the snooze wake-up, an
   * AI answer that may have been lost, the next attempt at an outside handoff, and the outbox.
   */
  private async armAlarm(state: ConversationState): Promise<void> {
    const due: number[] = [];
    if (state.syncDueAt !== null) due.push(state.syncDueAt);
    if (state.status === "snoozed" && state.snoozeUntil) due.push(Date.parse(state.snoozeUntil));
    // While a round runs past the watchdog, look again in a second, not at once.
    if (state.ai.owedSince !== null) due.push(Math.max(state.ai.owedSince + ANSWER_WATCHDOG_MS, Date.now() + 1_000));
    if (state.ai.handoff?.status === "pending" && state.ai.handoff.nextAt !== null) due.push(state.ai.handoff.nextAt);
    const owed = this.outbox.nextAt();
    if (owed !== null) due.push(owed);
    if (due.length === 0) return;
    const next = Math.min(...due);
    // Messages in a burst all find the alarm already armed early enough: no storage call.
    if (this.alarmAt != null && this.alarmAt <= next) return;
    this.alarmAt ??= await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > next) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  // ---- RPC from the Worker -----------------------------------------------------------------

  /** Creates the conversation from the ticket D1 just accepted; on an existing one, a no-op. */
  async init(record: TicketRecord): Promise<TicketT> {
    const existing = this.load();
    if (existing) return publicTicket(existing);
    const state: ConversationState = {
      ...record,
      ai: initialAiState(null),
      lastSeq: 0,
      lastCustomerSeq: 0,
      reads: { customer: 0, agent: 0 },
      closedReplyPeriod: null,
      syncedVersion: record.version,
      syncDueAt: null,
      syncAttempts: 0,
      lastSyncAt: 0,
      origin: null,
      smsTo: null,
      announced: false,
      notify: { lastEmailAt: null, emailedSeq: 0 },
    };
    this.save(state);
    return publicTicket(state);
  }

  async record(): Promise<TicketRecord | null> {
    const state = this.load();
    return state ? ticketRecord(state) : null;
  }

  async history(before: number | null, limit: number): Promise<MessageT[]> {
    const rows = this.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?", before ?? Number.MAX_SAFE_INTEGER, limit)
      .toArray();
    return rows.reverse().map(messageFromRow);
  }

  async post(author: Participant, input: SendInput, origin: string): Promise<PostResult> {
    return this.store(author, input, origin);
  }

  /**
   * Stores a message, acks it on the sender's socket (if it came on one), and only then starts
   * what follows from it, so the sender's ack is never behind a reply to it.
   */
  private async store(author: Participant, input: SendInput, origin: string, sender?: WebSocket): Promise<PostResult> {
    const result = author.side === "agent" && this.load()?.channel === "sms" ? await this.appendSmsReply(author, input, origin) : await this.append(author, input, origin);
    if (result.ok && sender) this.send(sender, { type: "ack", clientId: input.clientId, seq: result.message.seq });
    if (result.ok && !result.duplicate && author.side === "customer") this.ctx.waitUntil(this.afterCustomerMessage());
    return result;
  }

  /**
   * What a customer's message sets going, once it is stored and acked: nothing that needs D1
   * (settings, the AI's reading) ever stands between a message and its `seq`.
   */
  private async afterCustomerMessage(): Promise<void> {
    if (this.load()?.ai.mode === null) await this.decideWhoAnswers();
    const state = this.load();
    if (!state) return;
    if (state.ai.mode === "answering") await this.respond();
    else if (!aiHasIt(state)) await this.replyIfClosed();
  }

  /**
   * The conversation's first customer message decides who answers it, once: the AI agent when it
   * is on (web chat only), else people, and then the ticket enters the inbox.
   */
  private async decideWhoAnswers(): Promise<void> {
    const aiOn = (await this.settings()).ai.enabled;
    const state = this.load();
    if (!state || state.ai.mode !== null) return;
    state.ai.mode = aiOn && state.channel === "webchat" ? "answering" : "off";
    if (state.ai.mode === "answering") state.ai.owedSince = Date.now();
    else state.visible = true;
    this.commit(state);
    this.broadcast({ type: "ai", mode: state.ai.mode });
    await this.armAlarm(state);
  }

  async update(patch: TicketPatch): Promise<UpdateResult> {
    const state = this.load();
    if (!state) return refuse("not_found", "Ticket was not found.");
    if (state.status === "closed") {
      const onlyCloses = patch.status === "closed" && patch.snoozeUntil === undefined && patch.assigneeId === undefined;
      if (onlyCloses) return { ok: true, ticket: publicTicket(state) };
      return refuse("conversation_closed", "This ticket is closed; closed tickets never reopen.");
    }
    const status = patch.status ?? state.status;
    let snoozeUntil = patch.snoozeUntil !== undefined ? patch.snoozeUntil : state.snoozeUntil;
    if (status === "snoozed") {
      if (!snoozeUntil) return refuse("invalid_request", "snoozeUntil: a snoozed ticket needs a time to wake up.");
      if (Date.parse(snoozeUntil) <= Date.now()) return refuse("invalid_request", "snoozeUntil: must be in the future.");
    } else {
      if (patch.snoozeUntil) return refuse("invalid_request", "snoozeUntil: only a snoozed ticket has one; set status to \"snoozed\".");
      snoozeUntil = null;
    }
    const before = { status: state.status, assigneeId: state.assigneeId, aiMode: state.ai.mode };
    state.status = status;
    state.snoozeUntil = snoozeUntil && new Date(snoozeUntil).toISOString();
    if (patch.assigneeId !== undefined) state.assigneeId = patch.assigneeId;
    // Giving a conversation the AI has to someone hands it to the team.
    if (patch.assigneeId && aiHasIt(state)) this.takeOver(state);
    if (status === "closed") this.close(state);
    this.commit(state);
    this.statusChanged(state, before);
    if (before.aiMode !== state.ai.mode) this.broadcast({ type: "ai", mode: state.ai.mode });
    await this.armAlarm(state);
    return { ok: true, ticket: publicTicket(state) };
  }

  // ---- the message log ---------------------------------------------------------------------

  private async resolveAttachments(author: Participant, refs: Array<{ key: string }>, origin: string): Promise<AttachmentT[] | Refusal> {
    const owner = `${author.side}:${author.id}`;
    const heads = await Promise.all(refs.map((ref) => this.env.UPLOADS.head(ref.key)));
    const attachments: AttachmentT[] = [];
    for (const [i, head] of heads.entries()) {
      if (!head || head.customMetadata?.owner !== owner) {
        return refuse("invalid_frame", `attachments.${i}: no upload of yours has that key; upload the file with POST /api/uploads first.`);
      }
      const key = refs[i]!.key;
      attachments.push({ key, url: `${origin}/api/uploads/${key}`, contentType: head.httpMetadata?.contentType ?? "application/octet-stream", size: head.size });
    }
    return attachments;
  }

  /**
   * Stores a message and delivers it. Everything after the attachment look-up runs without an
   * await, so no other event can interleave: `seq` is allocated, stored and broadcast as one step.
   */
  private async append(author: Participant, input: SendInput, origin: string): Promise<PostResult> {
    const attachments = input.attachments?.length ? await this.resolveAttachments(author, input.attachments, origin) : [];
    if (!Array.isArray(attachments)) return attachments;

    const state = this.load();
    if (!state) return refuse("not_found", "Ticket was not found.");
    const stored = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE client_id = ?", input.clientId).toArray()[0];
    if (stored) {
      if (stored.author_kind !== author.side || stored.author_id !== author.id) {
        return refuse("invalid_frame", "clientId: already used by another sender; generate a unique clientId per message.");
      }
      return { ok: true, message: messageFromRow(stored), duplicate: true };
    }
    if (state.status === "closed") return refuse("conversation_closed", "This conversation has ended; start a new chat.");

    const message = this.insertMessage(state, { kind: author.side, id: author.id, name: author.name }, input.body.trim(), { attachments, clientId: input.clientId });
    state.origin = origin;
    const before = { status: state.status, assigneeId: state.assigneeId, aiMode: state.ai.mode };
    if (author.side === "customer") {
      state.lastCustomerSeq = message.seq;
      this.notifyAssignee(state);
      if (state.ai.mode === "answering") state.ai.owedSince ??= Date.now();
      // Before the first message's decision (just after it is stored) the ticket waits unseen.
      if (state.ai.mode !== null && !aiHasIt(state)) state.visible = true;
      if (state.status === "snoozed") {
        state.status = "open";
        state.snoozeUntil = null;
      }
    } else {
      // An agent who writes in a conversation the AI has takes it over: it is the team's now.
      if (aiHasIt(state)) this.takeOver(state);
      state.assigneeId ??= author.id;
      // Replying is reading: the agent has seen what they answer.
      state.reads.agent = message.seq;
    }
    this.commit(state);
    this.broadcast({ type: "message", ...message });
    if (author.side === "agent") this.broadcast({ type: "read", by: "agent", seq: message.seq });
    this.statusChanged(state, before);
    if (before.aiMode !== state.ai.mode) this.broadcast({ type: "ai", mode: state.ai.mode });
    await this.armAlarm(state);
    return { ok: true, message, duplicate: false };
  }

  /**
   * Appends a message to the log; every message of the conversation passes here. In an SMS
   * ticket, what the team says (an agent's reply, the closed-hours reply) goes out by SMS: it is
   * queued here and sent by the outbox.
   */
  private insertMessage(
    state: ConversationState,
    author: MessageT["author"],
    body: string,
    { attachments = [], clientId = null, ai }: { attachments?: AttachmentT[]; clientId?: string | null; ai?: AiNoteT } = {},
  ): MessageT {
    const texted = state.channel === "sms" && (author.kind === "agent" || author.kind === "bot");
    const delivery: DeliveryT | undefined = texted ? { status: "queued", segments: smsSegments(body).segments, sid: null, error: null, updatedAt: nowIso() } : undefined;
    const message: MessageT = { seq: state.lastSeq + 1, id: newId("msg"), clientId, author, body, attachments, createdAt: nowIso(), ...(ai ? { ai } : {}), ...(delivery ? { delivery } : {}) };
    this.sql.exec(
      "INSERT INTO messages (seq, id, client_id, author_kind, author_id, author_name, body, attachments, created_at, ai, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      message.seq,
      message.id,
      clientId,
      author.kind,
      author.id,
      author.name,
      body,
      JSON.stringify(attachments),
      message.createdAt,
      ai ? JSON.stringify(ai) : null,
      delivery ? JSON.stringify(delivery) : null,
    );
    state.lastSeq = message.seq;
    state.preview = previewOf(body);
    state.lastMessageAt = message.createdAt;
    if (texted) this.enqueue("sms", "sms", { seq: message.seq } satisfies SmsJob);
    if (state.announced) this.emit("message.created", { ticket: publicTicket(state), message });
    return message;
  }

  /** Outside office hours, the first customer message of each closed period gets the reply. */
  private async replyIfClosed(): Promise<void> {
    const settings = await this.settings();
    const period = closedPeriodId(settings.officeHours);
    const state = this.load();
    if (!period || !state || state.status === "closed" || state.closedReplyPeriod === period) return;
    state.closedReplyPeriod = period;
    const message = this.insertMessage(state, { kind: "bot", id: null, name: null }, settings.officeHours.closedMessage);
    this.commit(state);
    this.broadcast({ type: "message", ...message });
    await this.armAlarm(state);
  }

  /**
   * The store's settings, read at most every SETTINGS_CACHE_MS. When D1 can't be read, the last
   * known ones (or the defaults) rather than a failure: chat goes on, and the next call tries again.
   */
  private async settings(): Promise<SettingsT> {
    if (this.settingsCache && Date.now() - this.settingsCache.at <= SETTINGS_CACHE_MS) return this.settingsCache.value;
    try {
      this.settingsCache = { value: await loadSettings(db(this.env.DB)), at: Date.now() };
      return this.settingsCache.value;
    } catch (error) {
      console.warn("could not read the settings from D1; going on with the last known", error);
      return this.settingsCache?.value ?? DEFAULT_SETTINGS;
    }
  }

  // ---- the AI agent ----------------------------------------------------------------------------

  /** Answers what the customer has written since the AI last answered; again while more arrives. */
  private async respond(): Promise<void> {
    if (this.responding) {
      this.respondAgain = true;
      return;
    }
    this.responding = true;
    try {
      do {
        this.respondAgain = false;
        await this.answerOwed();
      } while (this.respondAgain);
    } finally {
      this.responding = false;
    }
  }

  private async answerOwed(): Promise<void> {
    let state = this.load();
    if (!state) return;
    const upTo = state.lastCustomerSeq;
    if (state.status === "closed" || state.ai.mode !== "answering" || upTo <= state.ai.answeredSeq) return this.settleOwed(state);
    // The watchdog times this round, not the first message that is still owed.
    state.ai.owedSince = Date.now();
    this.save(state);
    await this.armAlarm(state);
    const settings = await this.settings();
    if (!settings.ai.enabled) return this.toTeam();
    this.broadcast({ type: "typing", by: "agent", name: ASSISTANT_NAME });
    const { decision, question } = await decide({
      env: this.env,
      database: db(this.env.DB),
      ai: settings.ai,
      profileId: state.profileId,
      ...this.thread(state.ai.answeredSeq, upTo),
      turns: state.ai.turns,
    });
    // The world may have moved while the AI thought: closed, handed off, or taken over.
    state = this.load()!;
    if (state.status === "closed" || state.ai.mode !== "answering") return;
    state.ai.answeredSeq = Math.max(state.ai.answeredSeq, upTo);
    if (decision.kind === "handoff") return this.handOff(settings, decision, question);
    const text = cutToLength(decision.text, MAX_BODY_CHARS);
    const answer = this.insertMessage(state, { kind: "bot", id: null, name: null }, text, { ai: { confidence: decision.confidence, sources: decision.sources } });
    // Only answers from the store's data count towards maxTurns, not a reply to "hi" or "thanks".
    if (decision.sources.length > 0) state.ai.turns += 1;
    if (state.lastCustomerSeq <= state.ai.answeredSeq) state.ai.owedSince = null;
    this.commit(state);
    this.broadcast({ type: "message", ...answer });
    await this.armAlarm(state);
  }

  /**
   * The conversation as the AI reads it: the customer messages in (answeredSeq, upTo], which it
   * answers now, and before them the recent thread (its own answers included) without the
   * team's system notes.
   */
  private thread(answeredSeq: number, upTo: number): { history: MessageT[]; unanswered: MessageT[] } {
    const rows = (query: string, ...bindings: number[]) => this.sql.exec<MessageRow>(query, ...bindings).toArray().map(messageFromRow);
    const unanswered = rows("SELECT * FROM messages WHERE seq > ? AND seq <= ? AND author_kind = 'customer' ORDER BY seq LIMIT ?", answeredSeq, upTo, AI_UNANSWERED_MESSAGES);
    const history = rows(
      "SELECT * FROM messages WHERE seq <= ? AND author_kind <> 'system' AND NOT (author_kind = 'customer' AND seq > ?) ORDER BY seq DESC LIMIT ?",
      upTo,
      answeredSeq,
      AI_HISTORY_MESSAGES,
    ).reverse();
    return { history, unanswered };
  }

  /** Nothing more to answer: the watchdog stands down. */
  private settleOwed(state: ConversationState): void {
    if (state.ai.owedSince === null) return;
    state.ai.owedSince = null;
    this.save(state);
  }

  /**
   * The AI passes the conversation on, as the settings say: to the inbox, to an outside help desk
   * (a job retried until it lands), or with a message to the customer. The customer is told in
   * the AI's voice; the team reads a one-line summary. Once per conversation: a second call (a
   * double "Talk to a person", a handoff racing an answer) finds it already passed on.
   */
  private async handOff(settings: SettingsT, decision: Extract<Answer, { kind: "handoff" }>, question: string): Promise<void> {
    const state = this.load();
    if (!state || state.status === "closed" || state.ai.mode !== "answering") return;
    const target = settings.ai.handoff;
    // Messages go to every participant, the customer too: what went wrong in detail is for the logs.
    if (decision.detail) console.info(`ticket ${state.id}: the AI hands off (${decision.reason}): ${decision.detail}`);
    state.ai.mode = "handed_off";
    state.ai.handedTo = target;
    state.ai.owedSince = null;
    state.ai.answeredSeq = state.lastCustomerSeq;
    const note: AiNoteT = { confidence: decision.confidence, sources: [], handoff: { reason: decision.reason, target } };
    const told = this.insertMessage(state, { kind: "bot", id: null, name: null }, settings.ai.handoffMessage, { ai: note });
    const summary = handoffSummary(decision.reason, question, settings.ai.maxTurns);
    const noted = this.insertMessage(state, { kind: "system", id: null, name: null }, summary);
    const before = { status: state.status, assigneeId: state.assigneeId };
    if (target === "inbox") state.visible = true;
    if (target === "message") this.close(state);
    if (target === "zendesk" || target === "gorgias") {
      // The transcript is what the conversation is now: the same on every attempt.
      state.ai.handoff = { target, status: "pending", attempts: 0, nextAt: Date.now(), lastError: null, externalId: null, summary, upToSeq: state.lastSeq, createdAt: nowIso() };
    }
    this.commit(state);
    this.broadcast({ type: "message", ...told });
    this.broadcast({ type: "message", ...noted });
    this.broadcast({ type: "ai", mode: state.ai.mode });
    this.statusChanged(state, before);
    await this.armAlarm(state);
    // Outside office hours people are away: the closed-hours reply comes now that people will read it.
    if (target === "inbox") await this.replyIfClosed();
    if (state.ai.handoff?.status === "pending") this.ctx.waitUntil(this.deliverHandoff());
  }

  /** The AI was switched off while it had the conversation: the team takes it as it is. */
  private async toTeam(): Promise<void> {
    const state = this.load();
    if (!state || !aiHasIt(state)) return;
    this.takeOver(state);
    this.commit(state);
    this.broadcast({ type: "ai", mode: state.ai.mode });
    await this.armAlarm(state);
  }

  /** People answer from now on; an outside handoff still on its way is called off. */
  private takeOver(state: ConversationState): void {
    state.ai.mode = "off";
    state.ai.owedSince = null;
    state.visible = true;
    const job = state.ai.handoff;
    if (job?.status === "pending") {
      Object.assign(job, { status: "failed", nextAt: null, lastError: "Called off: an agent took the conversation over in Parley." });
      this.ctx.waitUntil(this.logHandoff(state.id, job));
    }
  }

  /** The customer's "Talk to a person". */
  private async requestPerson(): Promise<void> {
    const state = this.load();
    if (!state || state.status === "closed") return;
    if (state.ai.mode === null) {
      // Before the first message: people answer from the start.
      state.ai.mode = "off";
      this.commit(state);
      this.broadcast({ type: "ai", mode: state.ai.mode });
      await this.armAlarm(state);
      return;
    }
    if (state.ai.mode !== "answering") return;
    const { unanswered } = this.thread(state.ai.answeredSeq, state.lastCustomerSeq);
    await this.handOff(await this.settings(), handoff("asked_for_human", ""), questionOf(unanswered));
  }

  /** One attempt at the outside help desk; on failure the next is scheduled, or the inbox takes over. */
  private async deliverHandoff(): Promise<void> {
    let state = this.load();
    const due = state?.ai.handoff;
    if (!state || due?.status !== "pending" || due.nextAt === null || due.nextAt > Date.now()) return;
    // A lease: no second attempt starts while this one runs, and one lost to an eviction is
    // taken up again by the alarm when the lease runs out.
    due.nextAt = Date.now() + HANDOFF_LEASE_MS;
    this.save(state);
    await this.armAlarm(state);
    let outcome: { externalId: string } | DeliveryError;
    try {
      outcome = await createExternalTicket({
        env: this.env,
        database: db(this.env.DB),
        settings: await this.settings(),
        target: due.target,
        ticketId: state.id,
        profileId: state.profileId,
        summary: due.summary,
        messages: this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq <= ? ORDER BY seq DESC LIMIT ?", due.upToSeq, TRANSCRIPT_MESSAGES).toArray().reverse().map(messageFromRow),
      });
    } catch (error) {
      // A failure of our own (D1 unreachable, say) is worth another try too.
      outcome = error instanceof DeliveryError ? error : new DeliveryError(error instanceof Error ? error.message : String(error), true);
    }
    state = this.load()!;
    const job = state.ai.handoff!;
    // An agent may have taken the conversation over meanwhile.
    if (job.status !== "pending") return;
    job.attempts += 1;
    if (!(outcome instanceof DeliveryError)) {
      Object.assign(job, { status: "delivered", externalId: outcome.externalId, lastError: null, nextAt: null });
      return this.concludeHandoff(state, `${deskName(job.target)} ticket ${outcome.externalId} was created with this conversation's transcript; the conversation continues there.`, true);
    }
    console.warn(`ticket ${state.id}: ${deskName(job.target)} handoff attempt ${job.attempts} failed: ${outcome.message}`);
    if (outcome.retryable && job.attempts < MAX_HANDOFF_ATTEMPTS) {
      const backoff = Number(this.env.HANDOFF_RETRY_BASE_MS ?? 2_000) * 2 ** (job.attempts - 1);
      Object.assign(job, { lastError: outcome.message, nextAt: Date.now() + Math.max(backoff, Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)) });
      this.save(state);
      await this.logHandoff(state.id, job);
      await this.armAlarm(state);
      return;
    }
    // Never silently lost: when the help desk will not take it, the team gets it here.
    Object.assign(job, { status: "failed", lastError: outcome.message, nextAt: null });
    state.ai.handedTo = "inbox";
    state.visible = true;
    await this.concludeHandoff(state, `Could not create the ${deskName(job.target)} ticket (${outcome.retryable ? "it could not be reached" : "it refused the request; see the handoff log in the AI settings"}). The conversation is in the inbox instead.`, false);
    await this.replyIfClosed();
  }

  /**
   * Records how an outside handoff ended: a note in the thread, and the Parley ticket closed when
   * the help desk has it. A ticket the customer closed meanwhile takes no note: it is final.
   */
  private async concludeHandoff(state: ConversationState, note: string, closeTicket: boolean): Promise<void> {
    const before = { status: state.status, assigneeId: state.assigneeId };
    const noted = before.status === "closed" ? null : this.insertMessage(state, { kind: "system", id: null, name: null }, note);
    if (closeTicket) this.close(state);
    this.commit(state);
    if (noted) this.broadcast({ type: "message", ...noted });
    this.statusChanged(state, before);
    await this.logHandoff(state.id, state.ai.handoff!);
    await this.armAlarm(state);
  }

  /** The admins' handoff log in D1; a write that fails is made again with the next attempt's. */
  private async logHandoff(ticketId: string, job: HandoffJob): Promise<void> {
    try {
      await recordHandoff(db(this.env.DB), ticketId, job);
    } catch (error) {
      console.warn(`ticket ${ticketId}: could not log the handoff`, error);
    }
  }

  private close(state: ConversationState): void {
    state.status = "closed";
    state.closedAt = nowIso();
    state.snoozeUntil = null;
  }

  // ---- SMS -----------------------------------------------------------------------------------

  /** A text from the customer's phone (Twilio's webhook, checked by the Worker). */
  async receiveSms(customer: { id: string; name: string | null }, input: InboundSms, origin: string): Promise<PostResult> {
    const state = this.load();
    if (!state) return refuse("not_found", "Ticket was not found.");
    if (state.channel !== "sms") return refuse("invalid_request", "This ticket is not an SMS ticket.");
    const result = await this.store({ side: "customer", id: customer.id, name: customer.name }, { clientId: input.sid, body: input.body, attachments: input.attachments }, origin);
    if (!result.ok || result.duplicate) return result;
    const current = this.load()!;
    current.smsTo ??= input.phone;
    const note = input.keyword && KEYWORD_NOTES[input.keyword];
    const noted = note ? this.insertMessage(current, { kind: "system", id: null, name: null }, note) : null;
    this.commit(current);
    if (noted) this.broadcast({ type: "message", ...noted });
    await this.armAlarm(current);
    return result;
  }

  /**
   * An agent's reply in an SMS ticket, refused before it takes a seq when it cannot go out. The
   * checks read D1, so replies pass them one at a time: a reply never overtakes the one before.
   */
  private appendSmsReply(author: Participant, input: SendInput, origin: string): Promise<PostResult> {
    const result = this.smsReplies.then(async (): Promise<PostResult> => {
      const state = this.load();
      if (!state) return refuse("not_found", "Ticket was not found.");
      const duplicate = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE client_id = ?", input.clientId).toArray().length > 0;
      if (!duplicate && state.status !== "closed") {
        if (input.body.trim().length > MAX_SMS_CHARS) return refuse("invalid_request", `body: an SMS is at most ${MAX_SMS_CHARS} characters.`);
        if ((input.attachments?.length ?? 0) > MAX_MMS_MEDIA) return refuse("invalid_request", `attachments: an MMS carries at most ${MAX_MMS_MEDIA} images.`);
        const refusal = await this.smsRefusal(state.smsTo).catch((error) => {
          console.warn(`ticket ${state.id}: could not check whether an SMS can go out`, error);
          return refuse("sms_unavailable", "Could not check whether this SMS can go out; try again in a moment.");
        });
        if (refusal) return refusal;
      }
      return this.append(author, input, origin);
    });
    this.smsReplies = result.catch(() => undefined);
    return result;
  }

  /** Why a reply to `phone` cannot go out by SMS now, if it cannot. */
  private async smsRefusal(phone: string | null): Promise<Refusal | null> {
    if (!phone || !(await this.twilio())) {
      return refuse("sms_unavailable", "SMS is not set up: an admin connects Twilio in Settings → SMS, then replies can go out.");
    }
    if (await isOptedOut(db(this.env.DB), phone)) {
      return refuse("sms_opted_out", "This number texted STOP: it gets no messages until the customer texts START.");
    }
    return null;
  }

  /** Twilio's status callback for the SMS of message `seq`; false when it does not match one. */
  async smsStatus(seq: number, sid: string, status: DeliveryStatusT, error: string | null): Promise<boolean> {
    const delivery = this.deliveryOf(seq);
    if (!delivery) return false;
    // A late word on an attempt an agent has since replaced is Twilio's due, not this send's.
    if (this.sql.exec("SELECT 1 FROM replaced_sms WHERE sid = ?", sid).toArray().length > 0) return true;
    if (delivery.sid !== null && delivery.sid !== sid) return false;
    const moved = advancedDelivery(delivery, status);
    if (moved !== delivery.status) this.setDelivery(seq, { ...delivery, status: moved, sid, error: moved === "failed" ? (error ?? "Twilio could not deliver it.") : null });
    return true;
  }

  /** An agent sends a failed SMS again. */
  async retrySms(seq: number): Promise<{ ok: true; message: MessageT } | Refusal> {
    const state = this.load();
    if (!state) return refuse("not_found", "Ticket was not found.");
    const delivery = this.deliveryOf(seq);
    if (!delivery) return refuse("not_found", "No SMS was sent with that message.");
    if (state.status === "closed") return refuse("conversation_closed", "This ticket is closed; closed tickets never reopen.");
    if (delivery.status !== "failed") return refuse("invalid_request", `Only a failed SMS can be sent again; this one is ${delivery.status}.`);
    if (delivery.sid) this.sql.exec("INSERT OR IGNORE INTO replaced_sms (sid) VALUES (?)", delivery.sid);
    this.setDelivery(seq, { ...delivery, status: "queued", sid: null, error: null });
    this.enqueue("sms", "sms", { seq } satisfies SmsJob);
    await this.armAlarm(state);
    return { ok: true, message: this.messageAt(seq)! };
  }

  /**
   * Twilio's account as the settings and the stored token give it, kept like the settings for
   * SETTINGS_CACHE_MS once it is set up (reading the token means D1 and a decryption).
   */
  private async twilio(): Promise<TwilioConfig | null> {
    if (this.twilioCache && Date.now() - this.twilioCache.at <= SETTINGS_CACHE_MS) return this.twilioCache.value;
    const config = await twilioConfig(db(this.env.DB), this.env, await this.settings());
    this.twilioCache = config && { value: config, at: Date.now() };
    return config;
  }

  private messageAt(seq: number): MessageT | null {
    const row = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).toArray()[0];
    return row ? messageFromRow(row) : null;
  }

  private deliveryOf(seq: number): DeliveryT | null {
    return this.messageAt(seq)?.delivery ?? null;
  }

  private setDelivery(seq: number, delivery: Omit<DeliveryT, "updatedAt">): void {
    const updated: DeliveryT = { ...delivery, updatedAt: nowIso() };
    this.sql.exec("UPDATE messages SET delivery = ? WHERE seq = ?", JSON.stringify(updated), seq);
    this.broadcast({ type: "delivery", seq, delivery: updated });
  }

  // ---- the outbox: SMS, team emails and webhooks ---------------------------------------------

  /** Owes a job, and starts on it once the change that owes it is stored. */
  private enqueue(lane: string, kind: JobKind, payload: unknown, at = Date.now()): void {
    this.outbox.add(lane, kind, payload, at);
    if (at <= Date.now()) queueMicrotask(() => this.ctx.waitUntil(this.drainOutbox()));
  }

  /** An event for the webhooks, in the order the conversation lived it. */
  private emit(type: WebhookEventTypeT, data: WebhookEventData): void {
    this.enqueue("fanout", "fanout", { type, body: webhookEventBody(type, data).body } satisfies FanoutJob);
  }

  /** The ticket entered the inbox: the team gets an email, and webhooks hear of it and of its messages so far. */
  private announce(state: ConversationState): void {
    state.announced = true;
    const ticket = publicTicket(state);
    this.emit("ticket.created", { ticket });
    for (const row of this.sql.exec<MessageRow>("SELECT * FROM messages ORDER BY seq")) this.emit("message.created", { ticket, message: messageFromRow(row) });
    this.enqueue(emailLane("new_ticket"), "email", { kind: "new_ticket", sent: [] } satisfies EmailJob);
  }

  /**
   * A customer wrote in an assigned ticket: its agent may want an email. At most one email per
   * ticket per window; what the customer writes meanwhile goes into the next one. `finishing`
   * is the email job that is ending, which no longer counts as pending.
   */
  private notifyAssignee(state: ConversationState, finishing?: Job): void {
    const lane = emailLane("customer_reply");
    if (!state.announced || !state.assigneeId || this.outbox.has(lane, finishing?.id)) return;
    const interval = Number(this.env.NOTIFY_EMAIL_INTERVAL_MS ?? 300_000);
    this.enqueue(lane, "email", { kind: "customer_reply", sent: [] } satisfies EmailJob, Math.max(Date.now(), (state.notify.lastEmailAt ?? 0) + interval));
  }

  /**
   * Starts every lane whose head is due and is not running yet. Lanes run apart: one slow
   * webhook endpoint never holds up an SMS.
   */
  private async drainOutbox(): Promise<void> {
    const starting = this.outbox.due(Date.now()).filter((job) => !this.runningLanes.has(job.lane));
    await Promise.all(starting.map((job) => this.runLane(job)));
  }

  /** Runs a lane's jobs one after another while they are due. */
  private async runLane(first: Job): Promise<void> {
    this.runningLanes.add(first.lane);
    try {
      for (let job: Job | null = first; job; job = this.outbox.dueHead(first.lane, Date.now())) {
        this.outbox.lease(job, Date.now() + OUTBOX_LEASE_MS);
        // Armed for the lease first, so that an eviction mid-attempt still ends in a retry.
        await this.armAlarm(this.load()!);
        await this.runJob(job);
        // A fanout opens the lanes of the endpoints it delivers to.
        if (job.kind === "fanout") this.ctx.waitUntil(this.drainOutbox());
      }
    } finally {
      this.runningLanes.delete(first.lane);
      await this.armAlarm(this.load()!);
    }
  }

  private async runJob(job: Job): Promise<void> {
    let outcome: JobOutcome;
    try {
      if (job.kind === "sms") outcome = await this.sendSms(job);
      else if (job.kind === "email") outcome = await this.sendEmail(job);
      else if (job.kind === "fanout") outcome = await this.fanOut(job);
      else outcome = await this.deliverToWebhook(job);
    } catch (error) {
      // A failure of our own (D1 unreachable, say) is worth another try too.
      console.warn(`ticket ${this.load()?.id}: outbox ${job.kind} job failed`, error);
      outcome = { retryAt: this.retryAt(job), payload: job.payload };
    }
    if (outcome === "done") this.outbox.remove(job);
    else this.outbox.retry(job, outcome.retryAt, outcome.payload);
  }

  /**
   * When the job's next attempt is due: the wait doubles from OUTBOX_RETRY_BASE_MS up to the
   * kind's cap, or is what the service asked for (Retry-After), within the same cap.
   */
  private retryAt(job: Job, retryAfterMs?: number): number {
    const cap = MAX_BACKOFF_MS[job.kind];
    const wait = Number(this.env.OUTBOX_RETRY_BASE_MS ?? 5_000) * 2 ** job.attempts;
    return Date.now() + Math.max(Math.min(cap, wait), Math.min(retryAfterMs ?? 0, cap));
  }

  /** One attempt at the SMS of a queued reply. Twilio unreachable: it stays queued and is retried for a day. */
  private async sendSms(job: Job): Promise<JobOutcome> {
    const { seq } = job.payload as SmsJob;
    const state = this.load()!;
    const message = this.messageAt(seq);
    const delivery = message?.delivery;
    if (!message || delivery?.status !== "queued" || delivery.sid !== null) return "done";
    const fail = (error: string): JobOutcome => {
      this.setDelivery(seq, { ...delivery, status: "failed", error });
      return "done";
    };
    const config = await this.twilio();
    if (!config || !state.smsTo) return fail("SMS is not set up: an admin connects Twilio in Settings → SMS.");
    if (await isOptedOut(db(this.env.DB), state.smsTo)) return fail("The number texted STOP: it gets no messages until the customer texts START.");
    try {
      const sent = await sendTwilioMessage(config, {
        to: state.smsTo,
        body: message.body,
        mediaUrls: message.attachments.map((attachment) => attachment.url),
        statusCallback: state.origin && `${state.origin}/api/sms/twilio/status?ticket=${encodeURIComponent(state.id)}&seq=${seq}`,
      });
      // A status callback may have come in while Twilio's answer was on its way: the further one holds.
      const current = this.deliveryOf(seq)!;
      const status = advancedDelivery(current, sent.status);
      this.setDelivery(seq, { ...current, status, sid: sent.sid, error: status === "failed" ? current.error : null });
      return "done";
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      if (!error.retryable) return fail(error.message);
      if (Date.now() - job.createdAt > SMS_GIVE_UP_MS) return fail(`${error.message}; gave up after a day of retries.`);
      this.setDelivery(seq, { ...delivery, error: `${error.message}; retrying.` });
      return { retryAt: this.retryAt(job, error.retryAfterMs), payload: job.payload };
    }
  }

  /** The team's email about this ticket: who gets it, and what it says, is the notifier's. */
  private async sendEmail(job: Job): Promise<JobOutcome> {
    let payload = job.payload as EmailJob;
    const state = this.load()!;
    // A burst of tickets from one customer: the team hears of the first one only.
    if (payload.kind === "new_ticket" && !payload.claimed) {
      if (!(await claimNewTicketEmail(db(this.env.DB), state.profileId))) return "done";
      payload = { ...payload, claimed: true };
    }
    // Read meanwhile: the agent knows already.
    if (payload.kind === "customer_reply" && state.reads.agent >= state.lastCustomerSeq) {
      state.notify.emailedSeq = state.lastCustomerSeq;
      this.save(state);
      return "done";
    }
    const messages = this.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE author_kind = 'customer' AND seq > ? ORDER BY seq DESC LIMIT ?", payload.kind === "new_ticket" ? 0 : state.notify.emailedSeq, EMAIL_MESSAGES)
      .toArray()
      .reverse()
      .map(messageFromRow);
    const { sent, error } = await sendTicketNotification(this.env, db(this.env.DB), {
      kind: payload.kind,
      ticket: publicTicket(state),
      messages,
      phone: state.smsTo,
      origin: state.origin ?? "",
      settings: await this.settings(),
      alreadySent: payload.sent,
    });
    const done = [...payload.sent, ...sent];
    if (error?.retryable && job.attempts + 1 < MAX_EMAIL_ATTEMPTS) return { retryAt: this.retryAt(job, error.retryAfterMs), payload: { ...payload, sent: done } satisfies EmailJob };
    if (error) console.warn(`ticket ${state.id}: notification email failed: ${error.message}`);
    const current = this.load()!;
    // What the email quoted is covered; what the customer wrote while it was sent gets the next one.
    current.notify.emailedSeq = Math.max(current.notify.emailedSeq, ...messages.map((message) => message.seq));
    if (done.length > 0) current.notify.lastEmailAt = Date.now();
    this.save(current);
    if (current.lastCustomerSeq > current.notify.emailedSeq) this.notifyAssignee(current, job);
    return "done";
  }

  /** An event becomes one delivery per endpoint subscribed to it, each in that endpoint's lane. */
  private async fanOut(job: Job): Promise<JobOutcome> {
    const { type, body } = job.payload as FanoutJob;
    for (const webhook of await this.subscribedWebhooks()) {
      if (!webhook.events.includes(type)) continue;
      this.outbox.add(`webhook:${webhook.id}`, "webhook", { deliveryId: newId("dlv"), webhookId: webhook.id, event: type, body } satisfies WebhookJob);
    }
    return "done";
  }

  /** The enabled endpoints, read at most every SETTINGS_CACHE_MS like the settings. */
  private async subscribedWebhooks() {
    if (this.webhooksCache && Date.now() - this.webhooksCache.at <= SETTINGS_CACHE_MS) return this.webhooksCache.value;
    this.webhooksCache = { value: await activeWebhooks(db(this.env.DB)), at: Date.now() };
    return this.webhooksCache.value;
  }

  /** One attempt at a webhook delivery; every attempt is written to the admins' delivery log. */
  private async deliverToWebhook(job: Job): Promise<JobOutcome> {
    const payload = job.payload as WebhookJob;
    const database = db(this.env.DB);
    const attempts = job.attempts + 1;
    const entry = { id: payload.deliveryId, webhookId: payload.webhookId, event: payload.event, ticketId: this.load()!.id, attempts };
    try {
      const { responseStatus } = await deliverWebhook(this.env, database, { ...entry, body: payload.body, attempt: attempts });
      // Delivered is delivered: a log that cannot be written must not send the event again.
      await recordDelivery(database, { ...entry, status: "delivered", responseStatus, lastError: null, nextAttemptAt: null }).catch((error) => console.warn(`ticket ${entry.ticketId}: could not log webhook delivery ${entry.id}`, error));
      return "done";
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      const retryAt = error.retryable && attempts < MAX_WEBHOOK_ATTEMPTS ? this.retryAt(job, error.retryAfterMs) : null;
      await recordDelivery(database, { ...entry, status: retryAt ? "pending" : "failed", responseStatus: error.status ?? null, lastError: error.message, nextAttemptAt: retryAt === null ? null : new Date(retryAt).toISOString() });
      return retryAt ? { retryAt, payload } : "done";
    }
  }

  // ---- WebSockets ----------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const participant = readIdentity(request);
    if (!participant) return new Response("Expected a WebSocket upgrade from the Parley worker.", { status: 400 });
    const state = this.load();
    if (!state) return Response.json(errorBody("not_found", "Ticket was not found."), { status: 404 });
    if (participant.side === "customer" && participant.id !== state.profileId) {
      return Response.json(errorBody("forbidden", "This conversation belongs to another customer."), { status: 403 });
    }
    // The customer of an SMS ticket writes from their phone, not from the widget.
    if (participant.side === "customer" && state.channel !== "webchat") {
      return Response.json(errorBody("forbidden", "This conversation is by SMS; reply by text message."), { status: 403 });
    }
    const after = Math.max(0, Number(new URL(request.url).searchParams.get("after") ?? 0) || 0);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, identityTags(participant));
    server.serializeAttachment(participant);
    this.send(server, { type: "hello", ticketId: state.id, status: state.status, lastSeq: state.lastSeq, reads: state.reads, aiMode: state.ai.mode });
    for (const row of this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq > ? ORDER BY seq", after)) {
      this.send(server, { type: "message", ...messageFromRow(row) });
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const who = ws.deserializeAttachment() as SocketIdentity;
    if (Date.now() > who.expiresAt) return endSocket(ws, "Your session has expired; sign in again.");
    if (typeof raw !== "string") return this.send(ws, { type: "error", code: "invalid_frame", message: "Frames are JSON text." });
    if (raw.length > MAX_FRAME_BYTES / 3 && new TextEncoder().encode(raw).byteLength > MAX_FRAME_BYTES) {
      return this.send(ws, { type: "error", code: "too_large", message: `A frame is at most ${MAX_FRAME_BYTES} bytes.` });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return this.send(ws, { type: "error", code: "invalid_frame", message: "The frame is not valid JSON." });
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const clientId = typeof (json as { clientId?: unknown })?.clientId === "string" ? (json as { clientId: string }).clientId : undefined;
      const code: FrameErrorCodeT = issue.code === "too_big" && issue.path[0] === "body" ? "too_large" : "invalid_frame";
      const field = issue.path.join(".") || "type";
      return this.send(ws, { type: "error", code, message: `${field}: ${issue.message}`, ...(clientId ? { clientId } : {}) });
    }
    await this.handleFrame(ws, who, parsed.data);
  }

  private async handleFrame(ws: WebSocket, who: SocketIdentity, frame: ClientFrameT): Promise<void> {
    switch (frame.type) {
      case "ping":
        return this.send(ws, { type: "pong" });
      case "typing":
        return this.broadcast({ type: "typing", by: who.side, name: who.name }, ws);
      case "read":
        return this.markRead(ws, who.side, frame.seq);
      case "end":
        if (who.side !== "customer") {
          return this.send(ws, { type: "error", code: "invalid_frame", message: "type: agents close tickets with PATCH /api/tickets/:id." });
        }
        await this.update({ status: "closed" });
        return;
      case "handoff":
        if (who.side !== "customer") {
          return this.send(ws, { type: "error", code: "invalid_frame", message: "type: only the customer asks for a person; agents reply to take over." });
        }
        return this.requestPerson();
      case "send": {
        if (!this.takeSendToken([`${who.side}:${who.id}`, `ip:${who.ip}`])) {
          return this.send(ws, { type: "error", code: "rate_limited", message: "You are sending too fast; wait a moment.", clientId: frame.clientId });
        }
        const result = await this.store(who, frame, who.origin, ws);
        if (!result.ok) {
          const code = result.code === "not_found" || result.code === "invalid_request" ? "invalid_frame" : result.code;
          return this.send(ws, { type: "error", code, message: result.message, clientId: frame.clientId });
        }
        return;
      }
    }
  }

  private async markRead(ws: WebSocket, side: SideT, seq: number): Promise<void> {
    const state = this.load();
    if (!state) return;
    if (seq > state.lastSeq) {
      return this.send(ws, { type: "error", code: "invalid_frame", message: `seq: the newest message is ${state.lastSeq}.` });
    }
    if (seq <= state.reads[side]) return;
    state.reads[side] = seq;
    this.commit(state);
    this.broadcast({ type: "read", by: side, seq }, ws);
    await this.armAlarm(state);
  }

  /** Takes one token from every bucket named, or none when any of them is empty. */
  private takeSendToken(keys: string[]): boolean {
    const capacity = Number(this.env.SEND_RATE_PER_10S ?? 60);
    const now = Date.now();
    const buckets = keys.map((key) => {
      const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 10_000) * capacity);
      bucket.at = now;
      this.buckets.set(key, bucket);
      return bucket;
    });
    if (buckets.some((bucket) => bucket.tokens < 1)) return false;
    for (const bucket of buckets) bucket.tokens -= 1;
    return true;
  }

  /** Logout: the session's sockets on this ticket are ended. */
  async endSession(session: string): Promise<void> {
    endSession(this.ctx, session);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    answerClose(ws, code, reason);
  }

  private send(ws: WebSocket, frame: ServerFrame): void {
    sendFrame(ws, frame);
  }

  private broadcast(frame: ServerFrame, except?: WebSocket): void {
    broadcastFrame(liveSockets(this.ctx), frame, except);
  }

  /** Tells the participants and the webhooks what changed of the status and the assignee. */
  private statusChanged(state: ConversationState, before: { status: TicketStatusT; assigneeId: string | null }): void {
    if (before.status === state.status && before.assigneeId === state.assigneeId) return;
    this.broadcast({ type: "status", status: state.status, assigneeId: state.assigneeId });
    if (!state.announced) return;
    const ticket = publicTicket(state);
    if (before.status !== state.status) this.emit("ticket.status_changed", { ticket, previous: { status: before.status } });
    if (before.assigneeId !== state.assigneeId) this.emit("ticket.assigned", { ticket, previous: { assigneeId: before.assigneeId } });
  }

  // ---- alarm: snooze wake-up and the owed D1 write -------------------------------------------

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    let state = this.load();
    if (!state) return;
    if (state.status === "snoozed" && state.snoozeUntil && Date.parse(state.snoozeUntil) <= Date.now()) {
      const before = { status: state.status, assigneeId: state.assigneeId };
      state.status = "open";
      state.snoozeUntil = null;
      this.commit(state);
      this.statusChanged(state, before);
    }
    if (state.syncDueAt !== null && state.syncDueAt <= Date.now()) await this.syncToD1(state);
    state = this.load()!;
    // An answer lost to an eviction (no round running here) is taken up again; each step's
    // failure is its own, and the alarm is armed again whatever happened.
    if (state.ai.owedSince !== null && state.ai.owedSince + ANSWER_WATCHDOG_MS <= Date.now() && !this.responding) {
      await this.respond().catch((error) => console.warn(`ticket ${state?.id}: the AI's answer failed`, error));
    }
    if (this.load()!.ai.handoff?.status === "pending") await this.deliverHandoff().catch((error) => console.warn(`ticket ${state?.id}: the handoff failed`, error));
    await this.drainOutbox();
    state = this.load()!;
    await this.armAlarm(state);
  }

  /**
   * Writes the newest version to D1 and tells the inbox. On failure nothing is lost: the write
   * stays owed and is retried with backoff. Changes made during the write get a write of their own.
   */
  private async syncToD1(snapshot: ConversationState): Promise<void> {
    const record = ticketRecord(snapshot);
    try {
      await writeTicketRecord(db(this.env.DB), record);
      if (record.visible || record.handledByAi) await inboxStub(this.env).ticketChanged(publicTicket(snapshot));
      const state = this.load()!;
      state.syncedVersion = Math.max(state.syncedVersion, record.version);
      state.syncAttempts = 0;
      state.lastSyncAt = Date.now();
      state.syncDueAt = state.version > state.syncedVersion ? this.nextSyncAt(state) : null;
      this.save(state);
    } catch (error) {
      const state = this.load()!;
      state.syncAttempts += 1;
      state.syncDueAt = Date.now() + Math.min(MAX_SYNC_BACKOFF_MS, 500 * 2 ** state.syncAttempts);
      this.save(state);
      console.warn(`ticket ${state.id}: D1 write of version ${record.version} failed (attempt ${state.syncAttempts}); retrying`, error);
    }
  }
}
