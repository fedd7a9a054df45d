// One open ticket, as the agent works in it: the ticket, its customer and their other tickets,
// the thread's pages of history, and how its SMS went out. The conversation itself (live frames,
// the agent's outbox, read marks both ways, the customer's typing) is the shared conversation
// client's: history pages go into it, and it resumes the socket after the newest message it holds.
// The team's private notes are this store's alone: the shared client (and so the widget) never
// holds one.
import type {
  AgentTicketFrame,
  AttachmentT,
  DeliveryT,
  ErrorFrame,
  FrameErrorCodeT,
  MessageT,
  NoteT,
  ProfileT,
  RatingT,
  StoreEventT,
  TicketPatchT,
  TicketT,
} from "../../../contract";
import { ApiError } from "../../../client/api";
import { createConversation, emptyConversation, type Conversation, type ConversationState } from "../../../client/conversation";
import { api, socketUrl } from "./api";
import { tabStore } from "./storage";

export type Delivery = "sending" | "sent" | "seen" | "failed";
/** A reply the server will not send as it stands (the number texted STOP, SMS not set up): it goes back to the composer. */
export type Refusal = { code: FrameErrorCodeT; message: string; body: string; attachments: AttachmentT[] };

/** Refusals that no resend can change: the agent has to act (or wait for the customer) first. */
const SMS_REFUSALS: ReadonlySet<FrameErrorCodeT> = new Set(["sms_opted_out", "sms_unavailable"]);
const PAGE_SIZE = 50;

/** A thread entry: a message or a note, in the order they were written. */
export type TimelineEntry = { key: string; message: MessageT; note?: never } | { key: string; note: NoteT; message?: never };

/** The thread's messages and notes by time; notes older than the loaded history wait for its page. */
function timeline(messages: MessageT[], notes: NoteT[], hasOlder: boolean): TimelineEntry[] {
  const from = hasOlder ? (messages[0]?.createdAt ?? "") : "";
  const entries: TimelineEntry[] = messages.map((message) => ({ key: `m${message.seq}`, message }));
  let at = 0;
  for (const note of notes) {
    if (note.createdAt < from) continue;
    while (at < entries.length && (entries[at]!.message?.createdAt ?? entries[at]!.note!.createdAt) <= note.createdAt) at++;
    entries.splice(at++, 0, { key: `n${note.id}`, note });
  }
  return entries;
}

/** A frame and a retry's answer can cross: the newer state wins. */
const newer = (known: DeliveryT | undefined, heard: DeliveryT) => (known && known.updatedAt > heard.updatedAt ? known : heard);

export class TicketStore {
  ticket = $state<TicketT | null>(null);
  profile = $state<ProfileT | null>(null);
  events = $state<StoreEventT[]>([]);
  recentTickets = $state<TicketT[]>([]);
  chat = $state.raw<ConversationState>(emptyConversation);
  /** How each SMS went out, as heard (frames, retries) since its message came; by seq. */
  deliveries = $state<Record<number, DeliveryT>>({});
  loading = $state(true);
  /** Why the ticket could not be shown (gone, or not reachable). */
  failure = $state<string | null>(null);
  hasOlder = $state(false);
  loadingOlder = $state(false);
  refusal = $state<Refusal | null>(null);
  /** The team's notes on this ticket, oldest first. */
  notes = $state<NoteT[]>([]);
  readonly timeline = $derived(timeline(this.chat.messages, this.notes, this.hasOlder));

  private readonly conversation: Conversation;
  private stopped = false;
  /** A reconnect's hello: notes written while the socket was down are fetched again. */
  private connectedOnce = false;

  constructor(
    readonly id: string,
    agentId: string,
  ) {
    this.conversation = createConversation({
      side: "agent",
      storage: tabStore,
      // Per agent too: whoever signs in next on this tab never sends someone else's leftovers.
      outboxKey: `outbox:${agentId}:${id}`,
      // Opening a ticket reads it, while the tab is visible.
      canRead: () => document.visibilityState === "visible",
      onChange: (state) => (this.chat = state),
      // An agent's socket carries notes too, which the shared client passes on untouched.
      onFrame: (frame) => this.onFrame(frame as AgentTicketFrame),
      // A refused upgrade, or a socket ended as `unauthorized`, says nothing more: ask, and an ended session is noticed.
      onDown: () => void api.me().catch(() => undefined),
    });
  }

  /** The customer's rating (CSAT): live from the socket (its hello, a rating frame), else as the ticket loaded. */
  get rating(): RatingT | null {
    return this.chat.rating ?? this.ticket?.rating ?? null;
  }

  get closed(): boolean {
    return this.ticket?.status === "closed";
  }

  /** What the agent side's message at `seq` has become for the customer. */
  delivery(seq: number): Delivery {
    return seq <= this.chat.reads.customer ? "seen" : "sent";
  }

  /** How the SMS of `message` went out, as last heard. */
  smsDelivery(message: MessageT): DeliveryT | undefined {
    const heard = this.deliveries[message.seq];
    return heard ? newer(message.delivery, heard) : message.delivery;
  }

  async open(): Promise<void> {
    try {
      const [detail, messages, notes] = await Promise.all([api.ticket(this.id), api.messages(this.id, null, PAGE_SIZE), api.notes(this.id)]);
      if (this.stopped) return;
      this.addNotes(notes);
      this.ticket = detail.ticket;
      this.profile = detail.profile;
      this.events = detail.events;
      this.recentTickets = detail.recentTickets;
      this.conversation.addMessages(messages);
      this.hasOlder = (messages[0]?.seq ?? 1) > 1;
    } catch (error) {
      if (!this.stopped)
        this.failure =
          error instanceof ApiError && error.code === "not_found"
            ? "This ticket does not exist, or no customer has written in it yet."
            : (error as Error).message;
      return;
    } finally {
      this.loading = false;
    }
    this.conversation.connect((after) => socketUrl(`/api/tickets/${encodeURIComponent(this.id)}/ws?after=${after}`));
  }

  stop(): void {
    this.stopped = true;
    this.conversation.stop();
  }

  async loadOlder(): Promise<void> {
    const first = this.chat.messages[0]?.seq;
    if (!this.hasOlder || this.loadingOlder || first === undefined) return;
    this.loadingOlder = true;
    try {
      const older = await api.messages(this.id, first, PAGE_SIZE);
      this.conversation.addMessages(older);
      this.hasOlder = (older[0]?.seq ?? 1) > 1;
    } finally {
      this.loadingOlder = false;
    }
  }

  send(body: string, attachments: AttachmentT[]): void {
    if (this.closed) return;
    this.refusal = null;
    this.conversation.send(body, attachments);
  }

  /** Writes a note (any status, closed too); a retry of the same note passes the same clientId. */
  async addNote(clientId: string, body: string): Promise<void> {
    this.addNotes([await api.addNote(this.id, { clientId, body })]);
  }

  retry(clientId: string): void {
    this.conversation.retry(clientId);
  }

  discard(clientId: string): void {
    this.conversation.discard(clientId);
  }

  /** Sends a failed SMS again; the delivery frame that follows shows how it goes. */
  async retrySms(seq: number): Promise<void> {
    const message = await api.retrySms(this.id, seq);
    if (message.delivery) this.updateDelivery(seq, message.delivery);
  }

  typing(): void {
    this.conversation.typing();
  }

  markRead(): void {
    this.conversation.markRead();
  }

  async update(patch: TicketPatchT): Promise<void> {
    this.ticket = await api.updateTicket(this.id, patch);
  }

  /** What only the inbox makes of a frame: the ticket's own fields. */
  private onFrame(frame: AgentTicketFrame): void {
    switch (frame.type) {
      case "hello":
        if (this.ticket && this.ticket.status !== frame.status) void this.refreshTicket();
        if (this.connectedOnce) void this.refreshNotes();
        this.connectedOnce = true;
        return;
      case "note":
        this.addNotes([frame.note]);
        return;
      case "delivery":
        this.updateDelivery(frame.seq, frame.delivery);
        return;
      case "status":
        if (this.ticket)
          this.ticket = {
            ...this.ticket,
            status: frame.status,
            assigneeId: frame.assigneeId,
            snoozeUntil: frame.status === "snoozed" ? this.ticket.snoozeUntil : null,
          };
        // The frame has no snooze time or close time: the ticket itself has them.
        void this.refreshTicket();
        return;
      case "rating":
        if (this.ticket) this.ticket = { ...this.ticket, rating: frame.rating };
        return;
      case "ai":
        // Handed off, or taken over: whether the AI agent still has it shows on the ticket.
        void this.refreshTicket();
        return;
      case "error":
        if (frame.code === "conversation_closed") void this.refreshTicket();
        if (SMS_REFUSALS.has(frame.code)) this.takeBack(frame);
        return;
    }
  }

  /** An SMS reply refused as it stands leaves the thread and goes back to the composer. */
  private takeBack({ code, message, clientId }: ErrorFrame): void {
    const refused = this.chat.outbox.find((item) => item.clientId === clientId);
    if (!refused) return;
    this.conversation.discard(refused.clientId);
    this.refusal = { code, message, body: refused.body, attachments: refused.attachments };
  }

  private addNotes(notes: NoteT[]): void {
    const known = new Set(this.notes.map((note) => note.id));
    const fresh = notes.filter((note) => !known.has(note.id));
    if (fresh.length) this.notes = [...this.notes, ...fresh].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  private async refreshNotes(): Promise<void> {
    try {
      this.addNotes(await api.notes(this.id));
    } catch {
      // The next reconnect asks again.
    }
  }

  private updateDelivery(seq: number, delivery: DeliveryT): void {
    this.deliveries[seq] = newer(this.deliveries[seq], delivery);
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
