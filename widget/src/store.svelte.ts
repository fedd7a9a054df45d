// The widget's state, in one place: who the shopper is, what the panel shows, and the chat. The
// chat itself (thread, outbox, reads, typing) is the shared conversation client's; this store
// decides when it exists: once the shopper is known, with a ticket started by the first message.
// An ended chat asks for a rating (CSAT) when the store wants one, also when the loader brings
// back a closed chat that the shopper left unrated.
import type { AttachmentT, FaqT, MessageT, RatingT, ServerFrame, TicketT, WidgetConfigT, WidgetSessionRequestT } from "../../contract";
import { ApiError } from "../../client/api";
import { createConversation, emptyConversation, sideOf, type Conversation, type ConversationState } from "../../client/conversation";
import { createApi, type Api } from "./api";
import type { Translator } from "./i18n";
import type { PanelContext } from "./shell";
import { tabStorage } from "./tab-storage";

export type View = "faqs" | "faq" | "login" | "chat";
type Faq = Pick<FaqT, "id" | "question" | "answer">;

const TOKEN_MARGIN_MS = 60_000;

export class WidgetStore {
  readonly config: WidgetConfigT;
  readonly t: Translator;
  readonly identified: boolean;
  readonly loginUrl: string;
  open = $state.raw(false);
  view = $state.raw<View>("faqs");
  faq = $state.raw<Faq | null>(null);
  ticket = $state.raw<TicketT | null>(null);
  chat = $state.raw<ConversationState>(emptyConversation);
  /** "Talk to a person" was chosen before the chat existed: it is asked for as soon as it does. */
  personRequested = $state.raw(false);
  /** A problem the shopper should know about, shown above the composer. */
  notice = $state.raw<string | null>(null);
  /** The store switched web chat off: the open chat keeps what the shopper writes, unsent. */
  chatOff = $state.raw(false);
  /** The rating this panel sent (the ended chat's socket is gone by then, so no frame brings it). */
  private rated = $state.raw<RatingT | null>(null);
  /** Why the rating could not be sent, shown under the question. */
  ratingNotice = $state.raw<string | null>(null);
  ratingBusy = $state.raw(false);
  /** The server takes no rating of this chat (rated already elsewhere, or too late): the question goes. */
  private ratingRefused = $state.raw(false);

  private readonly api: Api;
  /** Who the page says the shopper is: the session is renewed with it. */
  private readonly identity: WidgetSessionRequestT;
  private token: string;
  private tokenExpiresAt: number;
  private readonly profileId: string | null;
  private conversation: Conversation | null = null;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private startAttempts = 0;
  private stopped = false;
  /** The newest message when the socket said hello: an ended chat's socket stays until its history is in. */
  private helloSeq = 0;

  constructor(context: PanelContext) {
    this.config = context.config;
    this.t = context.t;
    this.identity = context.identity;
    this.loginUrl = context.loginUrl;
    this.token = context.session.token;
    this.tokenExpiresAt = Date.parse(context.session.expiresAt);
    this.profileId = context.session.profileId;
    this.identified = this.profileId !== null;
    this.api = createApi(context.base, () => this.token);
    this.open = context.open;
    this.chatOff = !this.config.enabled;
    if (this.identified) this.resume(context.ticket);
  }

  get ended(): boolean {
    return this.chat.status === "closed";
  }

  get away(): boolean {
    // The closed-hours reply is a bot message without the AI agent's note.
    return this.config.officeHours.open === false || this.chat.messages.some((m) => m.author.kind === "bot" && !m.ai);
  }

  /** The shopper's rating of this (ended) chat, once given. */
  get rating(): RatingT | null {
    return this.chat.rating ?? this.rated;
  }

  /** The ended chat still waits for the shopper's rating. */
  get asksRating(): boolean {
    return this.config.csat.enabled && this.ended && !!this.ticket && !this.rating && !this.ratingRefused;
  }

  /** The AI agent answers (or will answer) this chat, so the shopper is offered a person. */
  get offerPerson(): boolean {
    if (!this.config.ai.enabled || this.ended) return false;
    return this.chat.aiMode === "answering" || (this.chat.aiMode === null && !this.personRequested);
  }

  /** Messages for the shopper: system notes are the team's (a handoff's summary, say). */
  get shown(): MessageT[] {
    return this.chat.messages.filter((m) => m.author.kind !== "system");
  }

  /**
   * The AI agent's newest message while it still has the chat: its suggestions can be picked,
   * or its answer called unhelpful. Null once anyone else speaks, or it hands off.
   */
  get aiTurn(): MessageT | null {
    if (this.chat.aiMode !== "answering" || this.ended) return null;
    const shown = this.shown;
    for (let i = shown.length - 1; i >= 0; i--) {
      const message = shown[i]!;
      if (message.author.kind === "customer") continue;
      return message.ai && !message.ai.handoff ? message : null;
    }
    return null;
  }

  /** The AI's newest message offers its own way to a person (its suggestions' "No", "That didn't help"). */
  get aiTurnOffersPerson(): boolean {
    const ai = this.aiTurn?.ai;
    return !!ai && (!!ai.suggestions?.length || ai.sources.length > 0);
  }

  get unread(): number {
    return this.shown.filter((m) => m.author.kind !== "customer" && m.seq > this.chat.reads.customer).length;
  }

  /** Whether the shopper has written yet in this chat (the legal links show until then). */
  get hasWritten(): boolean {
    return this.chat.outbox.length > 0 || this.chat.messages.some((m) => m.author.kind === "customer");
  }

  /** What the shopper was typing in this tab, kept across pages until it is sent. */
  get draft(): string {
    return tabStorage.read<string>(`draft:${this.profileId}`) ?? "";
  }

  set draft(text: string) {
    tabStorage.write(`draft:${this.profileId}`, text || null);
  }

  /** The panel is gone (a new boot, a shutdown): nothing of it runs on. */
  stop(): void {
    this.stopped = true;
    this.teardown();
  }

  private teardown(): void {
    clearTimeout(this.startTimer);
    this.startAttempts = 0;
    this.conversation?.stop();
    this.conversation = null;
    this.chat = emptyConversation;
    this.ticket = null;
    this.notice = null;
    this.personRequested = false;
    this.rated = null;
    this.ratingNotice = null;
    this.ratingRefused = false;
    this.helloSeq = 0;
  }

  /** The shopper's chat, with the outbox they left (per shopper: nobody else's leftovers are sent). */
  private startConversation(): Conversation {
    this.conversation = createConversation({
      side: "customer",
      storage: tabStorage,
      outboxKey: `outbox:${this.profileId}`,
      // Read receipts go only while the panel shows the chat on a visible tab.
      canRead: () => this.open && this.view === "chat" && document.visibilityState === "visible",
      onChange: (state) => (this.chat = state),
      onFrame: (frame) => this.onFrame(frame),
      onDown: () => {
        // A socket refused or ended (`unauthorized`) for an expired token would be refused forever: renew it first.
        if (Date.now() > this.tokenExpiresAt - TOKEN_MARGIN_MS) void this.renewToken();
      },
    });
    return this.conversation;
  }

  /** Brings back the open chat (after a reload or on another store page), and the view this tab left; or a closed one to rate. */
  private resume(ticket: TicketT | null): void {
    this.startConversation();
    this.ticket = ticket;
    if (ticket) {
      this.view = "chat";
      this.connect(ticket.id);
    } else if (this.chat.outbox.length) {
      // Messages typed before the ticket existed: they start the chat now.
      this.view = "chat";
      void this.deliver();
    } else if (tabStorage.read<View>("view") === "chat") this.view = "chat";
  }

  setOpen(open: boolean): void {
    this.open = open;
    if (open) this.markRead();
  }

  showFaq(faq: Faq | null): void {
    this.faq = faq;
    this.view = faq ? "faq" : "faqs";
  }

  needHelp(): void {
    this.view = this.identified ? "chat" : "login";
    tabStorage.write("view", this.view === "chat" ? "chat" : null);
  }

  async send(body: string, attachments: AttachmentT[] = []): Promise<void> {
    this.conversation?.send(body, attachments);
    if (!this.chat.connected) await this.deliver();
  }

  retry(clientId: string): void {
    this.conversation?.retry(clientId);
    if (!this.chat.connected) void this.deliver();
  }

  upload(file: File): Promise<AttachmentT> {
    return this.api.upload(file);
  }

  typing(): void {
    this.conversation?.typing();
  }

  /** Asks for a person now, or (before the chat exists, or offline) as soon as the socket is open. */
  talkToPerson(): void {
    this.personRequested = !this.conversation?.sendFrame({ type: "handoff" });
    if (this.personRequested) this.notice = this.t.text.personRequested;
  }

  /** The shopper picks one of the AI's suggestions: its answer follows as the AI's next message. */
  pick(seq: number, faqId: string): void {
    this.notice = this.conversation?.sendFrame({ type: "pick", seq, id: faqId }) ? null : this.t.text.offline;
  }

  /** "That didn't help": a person takes over, with the conversation so far. */
  notHelpful(): void {
    const sent = this.conversation?.sendFrame({ type: "handoff", reason: "not_helpful" });
    this.notice = sent ? this.t.text.personRequested : this.t.text.offline;
  }

  end(): void {
    this.notice = this.conversation?.sendFrame({ type: "end" }) ? null : this.t.text.offline;
  }

  /** Rates the ended chat, once: the score, with the comment if one was written. */
  async rate(score: number, comment: string): Promise<void> {
    const ticket = this.ticket;
    if (!ticket || this.ratingBusy) return;
    this.ratingBusy = true;
    this.ratingNotice = null;
    try {
      const rating = await this.api.rate(ticket.id, { score, comment: comment.trim() || null });
      if (this.ticket === ticket) this.rated = rating;
    } catch (error) {
      if (this.ticket !== ticket) return;
      const code = error instanceof ApiError ? error.code : "network";
      const text = this.t.text;
      this.ratingRefused = code === "already_exists" || code === "forbidden";
      this.ratingNotice =
        code === "network" ? text.offline : code === "already_exists" ? text.ratingAlready : code === "forbidden" ? text.ratingTooLate : text.ratingFailed;
    } finally {
      this.ratingBusy = false;
    }
  }

  /** A new ticket; messages the ended chat never received go into it. */
  newChat(): void {
    this.teardown();
    this.view = "chat";
    this.startConversation().retry();
    void this.deliver();
  }

  /** Makes sure a ticket exists and its socket is open; the socket's hello sends the outbox. */
  async deliver(): Promise<void> {
    if (!this.chat.outbox.some((item) => !item.failed)) return;
    if (!this.ticket) {
      try {
        const ticket = await this.api.startTicket(this.t.locale);
        if (this.stopped) return;
        this.ticket = ticket;
        this.startAttempts = 0;
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof ApiError && (error.code === "login_required" || error.code === "chat_disabled")) {
          this.notice = error.code === "chat_disabled" ? this.t.text.chatDisabled : this.t.text.loginPrompt;
          this.conversation?.failUnsent(error.message);
          return;
        }
        // Offline or a server hiccup: try again with backoff (and at once when back online).
        clearTimeout(this.startTimer);
        this.startTimer = setTimeout(() => void this.deliver(), Math.min(30_000, 1_000 * 2 ** this.startAttempts++));
        return;
      }
    }
    this.connect(this.ticket.id);
  }

  private connect(ticketId: string): void {
    this.conversation?.connect((after) => this.api.socketUrl(ticketId, after));
  }

  /** A fresh token for the same shopper; the connection uses it when it next connects. */
  private async renewToken(): Promise<void> {
    try {
      const session = await this.api.session(this.identity);
      if (this.stopped) return;
      this.token = session.token;
      this.tokenExpiresAt = Date.parse(session.expiresAt);
    } catch {
      // Offline: the next drop tries again.
    }
  }

  /** What only the widget makes of a frame; the conversation has taken it in already. */
  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        this.helloSeq = frame.lastSeq;
        this.notice = null;
        // Asked for before the chat existed: ahead of the first message, so people answer it.
        if (this.personRequested) this.talkToPerson();
        break;
      case "ack":
        // Taken, so web chat is on (again).
        this.chatOff = false;
        break;
      case "error":
        if (frame.code === "chat_disabled") this.chatOff = true;
        break;
      case "message": {
        const { type: _, ...message } = frame;
        if (sideOf(message) === "agent") dispatchEvent(new CustomEvent("parley:message", { detail: message }));
        break;
      }
    }
    // An ended chat takes nothing more: its socket can go (once a closed chat brought back has its
    // history in), and what it never received waits for the next chat.
    if (!this.ended || (this.chat.messages.at(-1)?.seq ?? 0) < this.helloSeq) return;
    this.conversation?.stop();
    this.conversation?.failUnsent(this.t.text.ended);
  }

  /** Tells the agent what the shopper has seen: only with the panel open on a visible tab. */
  markRead(): void {
    this.conversation?.markRead();
  }
}
