// One Durable Object per ticket: the single writer of its message log. It gives every message
// its gap-free `seq`, acks only what is durable, fans frames out over hibernatable WebSockets,
// and owes D1 (the inbox index) a coalesced, retried write of every change. This is its shell:
// the object's entry points, each handed to the part that owns the concern.
import { DurableObject } from "cloudflare:workers";
import type { Locale, MessageT, NoteFrame, NoteT, RatingRequestT, TicketT } from "../../contract";
import { errorBody } from "../../worker/lib/errors";
import type { TicketRecord } from "../../worker/lib/tickets";
import { answerClose, broadcastFrame, endSession, identityTags, liveSockets, readIdentity } from "../sockets";
import { AiResponder } from "./ai";
import { ClosedHours } from "./closed-hours";
import { ContinuityEmails } from "./continuity";
import { ConversationCore } from "./core";
import { D1Sync } from "./d1-sync";
import { TeamEmails } from "./emails";
import { Erasure, type ErasureOutcome } from "./erasure";
import { HelpDeskHandoff } from "./handoff";
import { MessageLog } from "./message-log";
import { Messaging } from "./messaging";
import { Outbox } from "./outbox";
import { SocketProtocol } from "./protocol";
import {
  AGENT_SOCKETS,
  type InboundSms,
  type Participant,
  type PostResult,
  type RateResult,
  type Refusal,
  type SendInput,
  type SmsStatusReport,
  type TicketPatch,
  type UpdateResult,
  refuse,
} from "./rpc";
import { Satisfaction } from "./satisfaction";
import { SmsChannel } from "./sms";
import { initialAiState, migrateMessages, SCHEMA, ticketRecord } from "./state";
import { TicketUpdates } from "./ticket-updates";
import { WebhookEvents } from "./webhooks";

export class Conversation extends DurableObject<Env> {
  private readonly core: ConversationCore;
  private readonly log: MessageLog;
  private readonly outbox: Outbox;
  private readonly messaging: Messaging;
  private readonly updates: TicketUpdates;
  private readonly ai: AiResponder;
  private readonly handoffs: HelpDeskHandoff;
  private readonly sms: SmsChannel;
  private readonly sync: D1Sync;
  private readonly protocol: SocketProtocol;
  private readonly satisfaction: Satisfaction;
  private readonly erasure: Erasure;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    migrateMessages(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
    const core = (this.core = new ConversationCore(ctx, env));
    this.log = new MessageLog(core);
    this.outbox = new Outbox(core);
    const webhooks = new WebhookEvents(core, this.outbox, this.log);
    const emails = new TeamEmails(core, this.outbox, this.log);
    const closedHours = new ClosedHours(core, this.log);
    this.handoffs = new HelpDeskHandoff(core, this.log, closedHours);
    this.ai = new AiResponder(core, this.log, closedHours, this.handoffs);
    const continuity = new ContinuityEmails(core, this.outbox, this.log);
    this.messaging = new Messaging(core, this.log, webhooks, emails, continuity);
    this.sms = new SmsChannel(core, this.log, this.outbox, this.messaging);
    this.messaging.hooks = {
      followsCustomerMessage: () => this.ai.followsMessage(),
      afterCustomerMessage: () => this.ai.afterCustomerMessage(),
      takeOver: () => this.ai.takeOver(),
      gateSmsReply: (input, store) => this.sms.gateReply(input, store),
    };
    this.updates = new TicketUpdates(core, this.ai);
    this.satisfaction = new Satisfaction(core, this.log, this.outbox);
    this.sync = new D1Sync(core);
    this.erasure = new Erasure(core, this.outbox, this.sync);
    this.protocol = new SocketProtocol(core, this.messaging, this.updates, this.ai);
    this.outbox.serve({
      sms: (job) => this.sms.send(job),
      email: (job) => emails.send(job),
      fanout: (job) => webhooks.fanOut(job),
      webhook: (job) => webhooks.deliver(job),
      csat: (job) => this.satisfaction.askBySms(job),
      continuity: (job) => continuity.send(job),
    });
  }

  // ---- RPC from the Worker -----------------------------------------------------------------

  /**
   * Creates the conversation from the ticket D1 just accepted; on an existing one, a no-op but
   * for `locale`, the shopper's language, which a widget starting the chat gives again (undefined
   * keeps the one the conversation has).
   */
  async init(record: TicketRecord, locale?: Locale | null): Promise<TicketT> {
    const state = this.core.state;
    if (state && locale !== undefined && state.locale !== locale) {
      state.locale = locale;
      this.core.saveQuietly();
    }
    if (!state) {
      const { id, channel, status, snoozeUntil, assigneeId, profileId, customerName, createdAt, closedAt, visible, version, labels, rating } = record;
      this.core.create({
        ...{ id, channel, status, snoozeUntil, assigneeId, profileId, customerName, createdAt, closedAt, visible, version, labels, rating },
        ai: initialAiState(null),
        reads: { customer: 0, agent: 0 },
        closedReplyPeriod: null,
        sync: { version, attempts: 0, at: 0 },
        origin: null,
        smsTo: null,
        announced: false,
        notify: { lastEmailAt: null, emailedSeq: 0 },
        locale: locale ?? null,
        ratingAskedAt: null,
        continuity: { emailedSeq: 0, lastEmailAt: null },
        erasure: null,
      });
    }
    return this.core.ticket();
  }

  async record(): Promise<TicketRecord | null> {
    const state = this.core.state;
    return state ? ticketRecord(state, this.core.log) : null;
  }

  async history(before: number | null, limit: number): Promise<MessageT[]> {
    return this.log.history(before, limit);
  }

  async post(author: Participant, input: SendInput, origin: string): Promise<PostResult> {
    return this.erasedRefusal() ?? this.messaging.post(author, input, origin);
  }

  async update(patch: TicketPatch): Promise<UpdateResult> {
    return this.erasedRefusal() ?? this.updates.update(patch);
  }

  /** The customer rates the closed ticket. */
  async rate(customerId: string, input: RatingRequestT): Promise<RateResult> {
    return this.erasedRefusal() ?? this.satisfaction.rate(customerId, input);
  }

  /**
   * Erases the ticket's customer from it (DELETE /api/profiles/:id): "erased" once nothing of
   * them is left here, in D1 or in R2; "owed" when the alarm still has to finish it.
   */
  async erase(): Promise<ErasureOutcome> {
    return this.erasure.erase();
  }

  /** After an erasure, nothing reaches the conversation: it is as if it never was. */
  private erasedRefusal() {
    return this.erasure.erased ? refuse("not_found", "Ticket was not found.") : null;
  }

  /**
   * Writes the ticket to D1 again, with the report facts of its log: a ticket from before
   * reports (POST /api/reports/backfill). The version moves on, so D1 takes the write.
   */
  async refreshReportFacts(): Promise<void> {
    if (!this.core.state || this.erasure.erased) return;
    this.core.commit(this.core.snapshot());
    await this.core.schedule();
  }

  /** A text from the customer that may answer the rating question (a number from 1 to 5). */
  async rateBySms(score: number): Promise<RateResult> {
    return this.erasedRefusal() ?? this.satisfaction.rateBySms(score);
  }

  /** A text from the customer's phone (Twilio's webhook, checked by the Worker). */
  async receiveSms(customer: { id: string; name: string | null }, input: InboundSms, origin: string): Promise<PostResult> {
    return this.erasedRefusal() ?? this.sms.receive(customer, input, origin);
  }

  /** The customer's answer by email (the Worker's email() handler checked the address and the sender). */
  async receiveEmail(customer: Participant, input: SendInput): Promise<PostResult> {
    return this.erasedRefusal() ?? this.messaging.post(customer, input, this.core.state?.origin ?? "");
  }

  /** Twilio's status callback for the text of a message; false when it does not match one. */
  async smsStatus(report: SmsStatusReport): Promise<boolean> {
    return this.sms.report(report);
  }

  async retrySms(seq: number): Promise<{ ok: true; message: MessageT } | Refusal> {
    return this.sms.retry(seq);
  }

  /**
   * A note the Worker stored in D1, live to the agents' sockets on this ticket. Never to the
   * customer's, and it is not logged here: the message log (and its seq) is what the customer sees.
   */
  async sendNote(note: NoteT): Promise<void> {
    broadcastFrame(liveSockets(this.ctx, AGENT_SOCKETS), { type: "note", note } satisfies NoteFrame);
  }

  /** Logout: the session's sockets on this ticket are ended. */
  async endSession(session: string): Promise<void> {
    endSession(this.ctx, session);
  }

  // ---- WebSockets ----------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const participant = readIdentity(request);
    if (!participant) return new Response("Expected a WebSocket upgrade from the Parley worker.", { status: 400 });
    const state = this.core.state;
    if (!state || this.erasure.erased) return Response.json(errorBody("not_found", "Ticket was not found."), { status: 404 });
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
    const log = this.core.log;
    this.core.send(server, {
      type: "hello",
      ticketId: state.id,
      status: state.status,
      lastSeq: log.lastSeq,
      reads: { customer: state.reads.customer, agent: Math.max(state.reads.agent, log.lastAgentSeq) },
      aiMode: state.ai.mode,
      rating: state.rating,
    });
    for (const message of this.log.after(after)) this.core.send(server, { type: "message", ...message });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    await this.protocol.receive(ws, raw);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    answerClose(ws, code, reason);
  }

  // ---- the one alarm -------------------------------------------------------------------------

  /**
   * Whatever is due: a snoozed ticket waking, the owed D1 write, an AI answer lost to an
   * eviction, the next attempt at an outside handoff, the outbox, and an erasure's images. Each step's failure is its
   * own, and the alarm is armed again whatever happened.
   */
  override async alarm(): Promise<void> {
    this.core.alarmFired();
    if (!this.core.state) return;
    await this.updates.wakeIfDue();
    await this.sync.runIfDue();
    await this.ai.runWatchdog().catch((error) => console.warn(`ticket ${this.core.state?.id}: the AI's answer failed`, error));
    await this.handoffs.deliver().catch((error) => console.warn(`ticket ${this.core.state?.id}: the handoff failed`, error));
    await this.outbox.drain();
    await this.erasure.finish();
    await this.core.schedule();
  }
}
