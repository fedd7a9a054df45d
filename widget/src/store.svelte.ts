// The widget's state, in one place: who the shopper is, what the panel shows, and the chat. The
// chat itself (thread, outbox, reads, typing) is the shared conversation client's; this store
// decides when it exists: once the shopper is known, with a ticket started by the first message.
import type { AttachmentT, FaqT, MessageT, ServerFrame, TicketT, WidgetConfigT, WidgetSessionRequestT } from "../../contract";
import { ApiError } from "../../client/api";
import { createConversation, emptyConversation, sideOf, type Conversation, type ConversationState } from "../../client/conversation";
import { prefixedStorage } from "../../client/storage";
import { createApi, type Api } from "./api";
import { strings } from "./strings";

export type BootOptions = WidgetSessionRequestT & { loginUrl?: string };
export type View = "faqs" | "faq" | "login" | "chat";
type Faq = Pick<FaqT, "id" | "question" | "answer">;

const TOKEN_MARGIN_MS = 60_000;
const DEFAULT_LOGIN_URL = "/account/login";
const storage = prefixedStorage("parley:", () => sessionStorage);

/** The URL if it is a web address (http or https, absolute or on this site); `javascript:` and the like are not. */
function webAddress(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return ["http:", "https:"].includes(new URL(url, location.href).protocol) ? url : null;
  } catch {
    return null;
  }
}

export class WidgetStore {
  config = $state<WidgetConfigT | null>(null);
  identified = $state(false);
  open = $state(false);
  view = $state<View>("faqs");
  faq = $state<Faq | null>(null);
  ticket = $state<TicketT | null>(null);
  chat = $state.raw<ConversationState>(emptyConversation);
  /** "Talk to a person" was chosen before the chat existed: it is asked for as soon as it does. */
  personRequested = $state(false);
  /** A problem the shopper should know about, shown above the composer. */
  notice = $state<string | null>(null);
  loginUrl = $state(DEFAULT_LOGIN_URL);

  private api: Api;
  /** Who the page says the shopper is (anonymous without a customer). */
  private identity: WidgetSessionRequestT = {};
  /** Settles once boot knows who the shopper is. */
  private signedIn: Promise<void> = Promise.resolve();
  private token: string | null = null;
  private tokenExpiresAt = 0;
  private profileId: string | null = null;
  private conversation: Conversation | null = null;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private startAttempts = 0;
  /** Bumped by every boot and shutdown: answers that arrive for an earlier shopper are dropped. */
  private generation = 0;

  constructor(base: string) {
    this.api = createApi(base, () => this.token);
  }

  /**
   * With loginStatus "all" the launcher shows as soon as the config is in; with "logged_in" it
   * waits for the identity. It needs something to offer: chat, or FAQs.
   */
  get visible(): boolean {
    const config = this.config;
    if (!config || (config.loginStatus === "logged_in" && !this.identified)) return false;
    return config.enabled || config.faqs.length > 0;
  }

  get ended(): boolean {
    return this.chat.status === "closed";
  }

  get away(): boolean {
    // The closed-hours reply is a bot message without the AI agent's note.
    return this.config?.officeHours.open === false || this.chat.messages.some((m) => m.author.kind === "bot" && !m.ai);
  }

  /** The AI agent answers (or will answer) this chat, so the shopper is offered a person. */
  get offerPerson(): boolean {
    if (!this.config?.ai.enabled || this.ended) return false;
    return this.chat.aiMode === "answering" || (this.chat.aiMode === null && !this.personRequested);
  }

  /** Messages for the shopper: system notes are the team's (a handoff's summary, say). */
  get shown(): MessageT[] {
    return this.chat.messages.filter((m) => m.author.kind !== "system");
  }

  get unread(): number {
    return this.shown.filter((m) => m.author.kind !== "customer" && m.seq > this.chat.reads.customer).length;
  }

  /** Whether the shopper has written yet in this chat (the legal links show until then). */
  get hasWritten(): boolean {
    return this.chat.outbox.length > 0 || this.chat.messages.some((m) => m.author.kind === "customer");
  }

  async boot(options: BootOptions = {}): Promise<void> {
    this.teardown();
    const generation = ++this.generation;
    this.identity = options.customer ? { customer: options.customer, userHash: options.userHash } : {};
    this.loginUrl = webAddress(options.loginUrl) ?? DEFAULT_LOGIN_URL;
    // A wrong identity still gets the anonymous view (FAQs) rather than nothing.
    const session = this.api.session(this.identity).catch(() => this.api.session());
    this.signedIn = session.then(
      () => undefined,
      () => undefined,
    );
    const config = await this.api.config();
    if (generation !== this.generation) return;
    this.config = config;
    const { token, expiresAt, profileId } = await session;
    if (generation !== this.generation) return;
    this.token = token;
    this.tokenExpiresAt = Date.parse(expiresAt);
    this.profileId = profileId;
    this.identified = profileId !== null;
    if (this.identified) await this.resume();
  }

  shutdown(): void {
    this.generation++;
    this.teardown();
    storage.clearAll();
    this.token = null;
    this.profileId = null;
    this.identified = false;
    this.open = false;
    this.view = "faqs";
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
  }

  /** The shopper's chat, with the outbox they left (per shopper: nobody else's leftovers are sent). */
  private startConversation(): Conversation {
    this.conversation = createConversation({
      side: "customer",
      storage,
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

  /** Brings back the open chat (after a reload or on another store page), if there is one. */
  private async resume(): Promise<void> {
    const generation = this.generation;
    this.startConversation();
    let ticket: TicketT | null = null;
    try {
      ticket = await this.api.activeTicket();
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "not_found")) throw error;
    }
    if (generation !== this.generation) return;
    this.ticket = ticket;
    if (ticket) {
      this.view = "chat";
      this.connect(ticket.id);
    } else if (this.chat.outbox.length) {
      // Messages typed before the ticket existed: they start the chat now.
      this.view = "chat";
      void this.deliver();
    }
  }

  setOpen(open: boolean): void {
    this.open = open;
    if (open) this.markRead();
  }

  showFaq(faq: Faq | null): void {
    this.faq = faq;
    this.view = faq ? "faq" : "faqs";
  }

  async needHelp(): Promise<void> {
    await this.signedIn;
    this.view = this.identified ? "chat" : "login";
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
    if (this.personRequested) this.notice = strings.personRequested;
  }

  end(): void {
    this.notice = this.conversation?.sendFrame({ type: "end" }) ? null : strings.offline;
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
      const generation = this.generation;
      try {
        const ticket = await this.api.startTicket();
        if (generation !== this.generation) return;
        this.ticket = ticket;
        this.startAttempts = 0;
      } catch (error) {
        if (generation !== this.generation) return;
        if (error instanceof ApiError && (error.code === "login_required" || error.code === "chat_disabled")) {
          this.notice = error.code === "chat_disabled" ? strings.chatDisabled : strings.loginPrompt;
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
    const generation = this.generation;
    try {
      const session = await this.api.session(this.identity);
      if (generation !== this.generation) return;
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
        this.notice = null;
        // Asked for before the chat existed: ahead of the first message, so people answer it.
        if (this.personRequested) this.talkToPerson();
        break;
      case "message": {
        const { type: _, ...message } = frame;
        if (sideOf(message) === "agent") dispatchEvent(new CustomEvent("parley:message", { detail: message }));
        break;
      }
    }
    // An ended chat takes nothing more: its socket can go, and what it never received waits for the next chat.
    if (!this.ended) return;
    this.conversation?.stop();
    this.conversation?.failUnsent(strings.ended);
  }

  /** Tells the agent what the shopper has seen: only with the panel open on a visible tab. */
  markRead(): void {
    this.conversation?.markRead();
  }
}
