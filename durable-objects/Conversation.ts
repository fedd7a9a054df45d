// One Durable Object per ticket: the single writer of its message log. It gives every message
// its gap-free `seq`, acks only what is durable, fans frames out over hibernatable WebSockets,
// and owes D1 (the inbox index) a coalesced, retried write of every change.
import { DurableObject } from "cloudflare:workers";
import {
  ClientFrame,
  MAX_BODY_CHARS,
  MAX_FRAME_BYTES,
  type AiNoteT,
  type AttachmentT,
  type ClientFrameT,
  type FrameErrorCodeT,
  type MessageT,
  type ServerFrame,
  type SettingsT,
  type SideT,
  type TicketStatusT,
  type TicketT,
} from "../worker/contract";
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
import { DEFAULT_SETTINGS, loadSettings } from "../worker/lib/settings";
import { inboxStub } from "../worker/lib/stubs";
import { writeTicketRecord, type TicketRecord } from "../worker/lib/tickets";
import {
  SCHEMA,
  aiHasIt,
  initialAiState,
  messageFromRow,
  migrateMessages,
  previewOf,
  publicTicket,
  ticketRecord,
  type ConversationState,
  type HandoffJob,
  type MessageRow,
} from "./conversation-state";
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

const refuse = (code: Refusal["code"], message: string): Refusal => ({ ok: false, code, message });

export class Conversation extends DurableObject<Env> {
  private readonly sql: SqlStorage;
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
      this.state = row ? (JSON.parse(row.data) as ConversationState) : null;
      if (this.state) this.state.ai ??= initialAiState(this.state.lastCustomerSeq > 0 ? "off" : null);
    }
    return this.state;
  }

  private save(state: ConversationState): void {
    this.sql.exec("INSERT INTO state (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data", JSON.stringify(state));
    this.state = state;
  }

  /** Records a change: bumps the version and makes sure a D1 write of it is scheduled. */
  private commit(state: ConversationState): void {
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
   * AI answer that may have been lost, and the next attempt at an outside handoff.
   */
  private async armAlarm(state: ConversationState): Promise<void> {
    const due: number[] = [];
    if (state.syncDueAt !== null) due.push(state.syncDueAt);
    if (state.status === "snoozed" && state.snoozeUntil) due.push(Date.parse(state.snoozeUntil));
    // While a round runs past the watchdog, look again in a second, not at once.
    if (state.ai.owedSince !== null) due.push(Math.max(state.ai.owedSince + ANSWER_WATCHDOG_MS, Date.now() + 1_000));
    if (state.ai.handoff?.status === "pending" && state.ai.handoff.nextAt !== null) due.push(state.ai.handoff.nextAt);
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
    const result = await this.append(author, input, origin);
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
    if (before.status !== state.status || before.assigneeId !== state.assigneeId) this.broadcastStatus(state);
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

    const message = this.insertMessage(state, { kind: author.side, id: author.id, name: author.name }, input.body.trim(), attachments, input.clientId);
    const before = { status: state.status, assigneeId: state.assigneeId, aiMode: state.ai.mode };
    if (author.side === "customer") {
      state.lastCustomerSeq = message.seq;
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
    if (before.status !== state.status || before.assigneeId !== state.assigneeId) this.broadcastStatus(state);
    if (before.aiMode !== state.ai.mode) this.broadcast({ type: "ai", mode: state.ai.mode });
    await this.armAlarm(state);
    return { ok: true, message, duplicate: false };
  }

  private insertMessage(
    state: ConversationState,
    author: MessageT["author"],
    body: string,
    attachments: AttachmentT[],
    clientId: string | null,
    ai?: AiNoteT,
  ): MessageT {
    const message: MessageT = { seq: state.lastSeq + 1, id: newId("msg"), clientId, author, body, attachments, createdAt: nowIso(), ...(ai ? { ai } : {}) };
    this.sql.exec(
      "INSERT INTO messages (seq, id, client_id, author_kind, author_id, author_name, body, attachments, created_at, ai) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    );
    state.lastSeq = message.seq;
    state.preview = previewOf(body);
    state.lastMessageAt = message.createdAt;
    return message;
  }

  /** Outside office hours, the first customer message of each closed period gets the reply. */
  private async replyIfClosed(): Promise<void> {
    const settings = await this.settings();
    const period = closedPeriodId(settings.officeHours);
    const state = this.load();
    if (!period || !state || state.status === "closed" || state.closedReplyPeriod === period) return;
    state.closedReplyPeriod = period;
    const message = this.insertMessage(state, { kind: "bot", id: null, name: null }, settings.officeHours.closedMessage, [], null);
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
    const text = decision.text.length > MAX_BODY_CHARS ? `${decision.text.slice(0, MAX_BODY_CHARS - 1)}…` : decision.text;
    const answer = this.insertMessage(state, { kind: "bot", id: null, name: null }, text, [], null, { confidence: decision.confidence, sources: decision.sources });
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
    const told = this.insertMessage(state, { kind: "bot", id: null, name: null }, settings.ai.handoffMessage, [], null, note);
    const summary = handoffSummary(decision.reason, question, settings.ai.maxTurns);
    const noted = this.insertMessage(state, { kind: "system", id: null, name: null }, summary, [], null);
    const before = state.status;
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
    if (before !== state.status) this.broadcastStatus(state);
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
    const before = state.status;
    const noted = before === "closed" ? null : this.insertMessage(state, { kind: "system", id: null, name: null }, note, [], null);
    if (closeTicket) this.close(state);
    this.commit(state);
    if (noted) this.broadcast({ type: "message", ...noted });
    if (before !== state.status) this.broadcastStatus(state);
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

  // ---- WebSockets ----------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const participant = readIdentity(request);
    if (!participant) return new Response("Expected a WebSocket upgrade from the Parley worker.", { status: 400 });
    const state = this.load();
    if (!state) return Response.json(errorBody("not_found", "Ticket was not found."), { status: 404 });
    if (participant.side === "customer" && participant.id !== state.profileId) {
      return Response.json(errorBody("forbidden", "This conversation belongs to another customer."), { status: 403 });
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

  private broadcastStatus(state: ConversationState): void {
    this.broadcast({ type: "status", status: state.status, assigneeId: state.assigneeId });
  }

  // ---- alarm: snooze wake-up and the owed D1 write -------------------------------------------

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    let state = this.load();
    if (!state) return;
    if (state.status === "snoozed" && state.snoozeUntil && Date.parse(state.snoozeUntil) <= Date.now()) {
      state.status = "open";
      state.snoozeUntil = null;
      this.commit(state);
      this.broadcastStatus(state);
    }
    if (state.syncDueAt !== null && state.syncDueAt <= Date.now()) await this.syncToD1(state);
    state = this.load()!;
    // An answer lost to an eviction (no round running here) is taken up again; each step's
    // failure is its own, and the alarm is armed again whatever happened.
    if (state.ai.owedSince !== null && state.ai.owedSince + ANSWER_WATCHDOG_MS <= Date.now() && !this.responding) {
      await this.respond().catch((error) => console.warn(`ticket ${state?.id}: the AI's answer failed`, error));
    }
    if (this.load()!.ai.handoff?.status === "pending") await this.deliverHandoff().catch((error) => console.warn(`ticket ${state?.id}: the handoff failed`, error));
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
