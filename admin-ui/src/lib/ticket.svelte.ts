// One open ticket, as the agent works in it: the thread (newest page first, older pages on
// demand, live frames after), read marks both ways, the customer's typing, and an outbox of the
// agent's messages that are not yet acknowledged. Every message keeps its clientId until the
// server has it, so a resend after a drop or a reload is stored once.
import type { AttachmentT, DeliveryT, MessageT, ProfileT, ServerFrame, StoreEventT, TicketPatchT, TicketT } from "../../../contract";
import { Connection } from "../../../widget/src/connection";
import { ApiError, api, socketUrl } from "./api";
import { tabStore } from "./storage";

export type OutboxItem = { clientId: string; body: string; attachments: AttachmentT[]; createdAt: string; failed?: string; seq?: number };
export type Delivery = "sending" | "sent" | "seen" | "failed";
/** A reply the server will not send as it stands (the number texted STOP, SMS not set up): it goes back to the composer. */
export type Refusal = { code: string; message: string; body: string; attachments: AttachmentT[] };

/** Refusals that no resend can change: the agent has to act (or wait for the customer) first. */
const SMS_REFUSALS = new Set(["sms_opted_out", "sms_unavailable"]);

const PAGE_SIZE = 50;
const TYPING_SHOWN_MS = 5_000;
const TYPING_EVERY_MS = 2_000;
const RATE_LIMIT_RETRY_MS = 2_000;

export class TicketStore {
  ticket = $state<TicketT | null>(null);
  profile = $state<ProfileT | null>(null);
  events = $state<StoreEventT[]>([]);
  recentTickets = $state<TicketT[]>([]);
  messages = $state<MessageT[]>([]);
  outbox = $state<OutboxItem[]>([]);
  reads = $state({ customer: 0, agent: 0 });
  customerTyping = $state<string | null>(null);
  connected = $state(false);
  loading = $state(true);
  /** Why the ticket could not be shown (gone, or not reachable). */
  failure = $state<string | null>(null);
  hasOlder = $state(false);
  loadingOlder = $state(false);
  refusal = $state<Refusal | null>(null);

  private connection: Connection | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTypingSent = 0;
  private stopped = false;

  constructor(
    readonly id: string,
    private readonly agentId: string,
  ) {}

  get closed(): boolean {
    return this.ticket?.status === "closed";
  }

  get lastSeq(): number {
    return this.messages.at(-1)?.seq ?? 0;
  }

  /** What the agent side's message at `seq` has become for the customer. */
  delivery(seq: number): Delivery {
    return seq <= this.reads.customer ? "seen" : "sent";
  }

  async open(): Promise<void> {
    try {
      const [detail, messages] = await Promise.all([api.ticket(this.id), api.messages(this.id, null, PAGE_SIZE)]);
      if (this.stopped) return;
      this.ticket = detail.ticket;
      this.profile = detail.profile;
      this.events = detail.events;
      this.recentTickets = detail.recentTickets;
      this.messages = messages;
      this.hasOlder = (messages[0]?.seq ?? 1) > 1;
      this.outbox = tabStore.read<OutboxItem[]>(this.outboxKey) ?? [];
    } catch (error) {
      if (!this.stopped) this.failure = error instanceof ApiError && error.code === "not_found" ? "This ticket does not exist, or no customer has written in it yet." : (error as Error).message;
      return;
    } finally {
      this.loading = false;
    }
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.typingTimer);
    clearTimeout(this.retryTimer);
    this.connection?.stop();
    this.connection = null;
  }

  async loadOlder(): Promise<void> {
    const first = this.messages[0]?.seq;
    if (!this.hasOlder || this.loadingOlder || first === undefined) return;
    this.loadingOlder = true;
    try {
      const older = await api.messages(this.id, first, PAGE_SIZE);
      const known = new Set(this.messages.map((m) => m.seq));
      this.messages = [...older.filter((m) => !known.has(m.seq)), ...this.messages];
      this.hasOlder = (older[0]?.seq ?? 1) > 1;
    } finally {
      this.loadingOlder = false;
    }
  }

  send(body: string, attachments: AttachmentT[]): void {
    const text = body.trim();
    if (!text || this.closed) return;
    const item: OutboxItem = { clientId: crypto.randomUUID(), body: text, attachments, createdAt: new Date().toISOString() };
    // The message ends the typing the customer saw: the next keystroke says so again at once.
    this.lastTypingSent = 0;
    this.refusal = null;
    this.outbox = [...this.outbox, item];
    this.saveOutbox();
    this.flush([item.clientId]);
  }

  retry(clientId: string): void {
    this.outbox = this.outbox.map((item) => (item.clientId === clientId ? { ...item, failed: undefined } : item));
    this.saveOutbox();
    this.flush([clientId]);
  }

  discard(clientId: string): void {
    this.outbox = this.outbox.filter((item) => item.clientId !== clientId);
    this.saveOutbox();
  }

  /** Sends a failed SMS again; the delivery frame that follows shows how it goes. */
  async retrySms(seq: number): Promise<void> {
    const message = await api.retrySms(this.id, seq);
    if (message.delivery) this.updateDelivery(seq, message.delivery);
  }

  /** The agent is typing: the customer hears of it, at most every couple of seconds. */
  typing(): void {
    if (Date.now() - this.lastTypingSent < TYPING_EVERY_MS) return;
    if (this.connection?.send({ type: "typing" })) this.lastTypingSent = Date.now();
  }

  /** Opening a ticket reads it: the newest customer message counts as seen while the tab is visible. */
  markRead(): void {
    const newestFromCustomer = this.messages.findLast((m) => m.author.kind === "customer")?.seq ?? 0;
    if (document.visibilityState !== "visible" || newestFromCustomer <= this.reads.agent) return;
    if (this.connection?.send({ type: "read", seq: this.lastSeq })) this.reads.agent = this.lastSeq;
  }

  async update(patch: TicketPatchT): Promise<void> {
    this.ticket = await api.updateTicket(this.id, patch);
  }

  /** Per agent too: whoever signs in next on this tab never sends someone else's leftovers. */
  private get outboxKey(): string {
    return `outbox:${this.agentId}:${this.id}`;
  }

  /** A frame and a retry's answer can cross: the newer state wins. */
  private updateDelivery(seq: number, delivery: DeliveryT): void {
    this.messages = this.messages.map((message) => (message.seq === seq && !(message.delivery && message.delivery.updatedAt > delivery.updatedAt) ? { ...message, delivery } : message));
  }

  private saveOutbox(): void {
    tabStore.write(this.outboxKey, this.outbox.length ? this.outbox : null);
  }

  private connect(): void {
    this.connection = new Connection(() => socketUrl(`/api/tickets/${encodeURIComponent(this.id)}/ws?after=${this.lastSeq}`), {
      onOpen: () => (this.connected = true),
      onFrame: (frame) => this.onFrame(frame),
      onDown: () => {
        this.connected = false;
        // A refused upgrade says nothing about why: ask, and an ended session is noticed.
        if (!this.stopped) void api.me().catch(() => undefined);
      },
    });
    this.connection.start();
  }

  /** Sends unacknowledged messages (all, or those named) again; the server stores each clientId once. */
  private flush(only?: string[]): void {
    for (const item of this.outbox) {
      if (item.failed || item.seq !== undefined || (only && !only.includes(item.clientId))) continue;
      this.connection?.send({ type: "send", clientId: item.clientId, body: item.body, attachments: item.attachments.map(({ key }) => ({ key })) });
    }
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        this.reads = { customer: frame.reads.customer, agent: Math.max(this.reads.agent, frame.reads.agent) };
        if (this.ticket && this.ticket.status !== frame.status) void this.refreshTicket();
        this.flush();
        this.markRead();
        return;
      case "message": {
        const { type: _, ...message } = frame;
        if (!this.messages.some((m) => m.seq === message.seq)) {
          const last = this.messages.at(-1);
          this.messages = last && last.seq > message.seq ? [...this.messages, message].sort((a, b) => a.seq - b.seq) : [...this.messages, message];
        }
        if (message.clientId) this.discard(message.clientId);
        if (message.author.kind === "customer") this.customerTyping = null;
        this.markRead();
        return;
      }
      case "delivery":
        this.updateDelivery(frame.seq, frame.delivery);
        return;
      case "ack": {
        if (this.messages.some((m) => m.seq === frame.seq)) this.discard(frame.clientId);
        else this.outbox = this.outbox.map((item) => (item.clientId === frame.clientId ? { ...item, seq: frame.seq } : item));
        return;
      }
      case "read":
        this.reads[frame.by] = Math.max(this.reads[frame.by], frame.seq);
        return;
      case "typing":
        if (frame.by !== "customer") return;
        this.customerTyping = frame.name ?? "The customer";
        clearTimeout(this.typingTimer);
        this.typingTimer = setTimeout(() => (this.customerTyping = null), TYPING_SHOWN_MS);
        return;
      case "status":
        if (this.ticket) this.ticket = { ...this.ticket, status: frame.status, assigneeId: frame.assigneeId, snoozeUntil: frame.status === "snoozed" ? this.ticket.snoozeUntil : null };
        // The frame has no snooze time or close time: the ticket itself has them.
        void this.refreshTicket();
        return;
      case "ai":
        // Handed off, or taken over: whether the AI agent still has it shows on the ticket.
        void this.refreshTicket();
        return;
      case "error":
        this.onError(frame.code, frame.message, frame.clientId);
        return;
    }
  }

  private onError(code: string, message: string, clientId?: string): void {
    if (code === "unauthorized") {
      void api.me().catch(() => undefined);
      return;
    }
    if (!clientId) return;
    if (code === "rate_limited") {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.flush([clientId]), RATE_LIMIT_RETRY_MS);
      return;
    }
    const refused = this.outbox.find((item) => item.clientId === clientId);
    if (refused && SMS_REFUSALS.has(code)) {
      this.refusal = { code, message, body: refused.body, attachments: refused.attachments };
      this.discard(clientId);
      return;
    }
    this.outbox = this.outbox.map((item) => (item.clientId === clientId ? { ...item, failed: message } : item));
    this.saveOutbox();
    if (code === "conversation_closed") void this.refreshTicket();
  }

  private async refreshTicket(): Promise<void> {
    try {
      const detail = await api.ticket(this.id);
      if (this.stopped) return;
      this.ticket = detail.ticket;
      this.recentTickets = detail.recentTickets;
    } catch {
      // The status frame already told the essentials; the next one tries again.
    }
  }
}
