// The widget's state, in one place: who the shopper is, what the panel shows, the thread, and
// the outbox of messages not yet acknowledged (kept in storage so a reload loses nothing).
import type { AiModeT, AttachmentT, FaqT, MessageT, ServerFrame, TicketT, WidgetConfigT } from "../../contract";
import { ApiError, createApi, type Api, type Customer } from "./api";
import { Connection } from "./connection";
import { prefixedStorage } from "./storage";
import { strings } from "./strings";

export type BootOptions = { customer?: Customer; userHash?: string; loginUrl?: string };
export type View = "faqs" | "faq" | "login" | "chat";
export type OutboxItem = { clientId: string; body: string; attachments: AttachmentT[]; createdAt: string; failed?: string };
type Faq = Pick<FaqT, "id" | "question" | "answer">;

const TYPING_SHOWN_MS = 4_000;
const TOKEN_MARGIN_MS = 60_000;
const RATE_LIMIT_RETRY_MS = 2_000;
const DEFAULT_LOGIN_URL = "/account/login";
const storage = prefixedStorage("parley:", "session");

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
  messages = $state<MessageT[]>([]);
  outbox = $state<OutboxItem[]>([]);
  agentRead = $state(0);
  customerRead = $state(0);
  agentTyping = $state<string | null>(null);
  connected = $state(false);
  ended = $state(false);
  /** Who answers this chat (the AI agent, or people); see AiModeT. */
  aiMode = $state<AiModeT>(null);
  /** "Talk to a person" was chosen before the chat existed: it is asked for as soon as it does. */
  personRequested = $state(false);
  /** A problem the shopper should know about, shown above the composer. */
  notice = $state<string | null>(null);
  loginUrl = $state(DEFAULT_LOGIN_URL);

  private api: Api;
  private options: BootOptions = {};
  /** Settles once boot knows who the shopper is. */
  private signedIn: Promise<void> = Promise.resolve();
  private token: string | null = null;
  private tokenExpiresAt = 0;
  private profileId: string | null = null;
  private connection: Connection | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private startAttempts = 0;
  /** Bumped by every boot and shutdown: answers that arrive for an earlier shopper are dropped. */
  private generation = 0;
  private readonly rateLimited = new Set<string>();

  constructor(readonly base: string) {
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

  get away(): boolean {
    // The closed-hours reply is a bot message without the AI agent's note.
    return this.config?.officeHours.open === false || this.messages.some((m) => m.author.kind === "bot" && !m.ai);
  }

  /** The AI agent answers (or will answer) this chat, so the shopper is offered a person. */
  get offerPerson(): boolean {
    if (!this.config?.ai.enabled || this.ended) return false;
    return this.aiMode === "answering" || (this.aiMode === null && !this.personRequested);
  }

  /** Messages for the shopper: system notes are the team's (a handoff's summary, say). */
  get shown(): MessageT[] {
    return this.messages.filter((m) => m.author.kind !== "system");
  }

  get unread(): number {
    return this.shown.filter((m) => m.author.kind !== "customer" && m.seq > this.customerRead).length;
  }

  /** Whether the shopper has written yet in this chat (the legal links show until then). */
  get hasWritten(): boolean {
    return this.outbox.length > 0 || this.messages.some((m) => m.author.kind === "customer");
  }

  async boot(options: BootOptions = {}): Promise<void> {
    this.teardown();
    const generation = ++this.generation;
    this.options = options;
    this.loginUrl = webAddress(options.loginUrl) ?? DEFAULT_LOGIN_URL;
    // A wrong identity still gets the anonymous view (FAQs) rather than nothing.
    const session = this.api.session(options.customer, options.userHash).catch(() => this.api.session());
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
    clearTimeout(this.retryTimer);
    this.startAttempts = 0;
    this.connection?.stop();
    this.connection = null;
    this.ticket = null;
    this.messages = [];
    this.outbox = [];
    this.agentRead = 0;
    this.customerRead = 0;
    this.ended = false;
    this.connected = false;
    this.notice = null;
    this.aiMode = null;
    this.personRequested = false;
  }

  private key(name: string): string {
    return `${name}:${this.profileId}`;
  }

  /** Brings back the open chat (after a reload or on another store page), if there is one. */
  private async resume(): Promise<void> {
    const generation = this.generation;
    this.outbox = storage.read<OutboxItem[]>(this.key("outbox")) ?? [];
    let ticket: TicketT | null = null;
    try {
      ticket = await this.api.activeTicket();
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "not_found")) throw error;
    }
    if (generation !== this.generation) return;
    this.ticket = ticket;
    if (this.ticket) {
      this.view = "chat";
      this.connect();
    } else if (this.outbox.length) {
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
    const text = body.trim();
    if (!text) return;
    this.outbox = [...this.outbox, { clientId: crypto.randomUUID(), body: text, attachments, createdAt: new Date().toISOString() }];
    this.saveOutbox();
    if (this.connection?.isOpen) this.flush([this.outbox.at(-1)!.clientId]);
    else await this.deliver();
  }

  retry(clientId: string): void {
    this.outbox = this.outbox.map((item) => (item.clientId === clientId ? { ...item, failed: undefined } : item));
    this.saveOutbox();
    if (this.connection?.isOpen) this.flush([clientId]);
    else void this.deliver();
  }

  upload(file: File): Promise<AttachmentT> {
    return this.api.upload(file);
  }

  typing(): void {
    this.connection?.send({ type: "typing" });
  }

  talkToPerson(): void {
    if (this.connection?.send({ type: "handoff" })) return;
    this.personRequested = true;
    this.notice = strings.personRequested;
  }

  end(): void {
    this.notice = this.connection?.send({ type: "end" }) ? null : strings.offline;
  }

  /** A new ticket; messages the ended chat never received go into it. */
  newChat(): void {
    const unsent = this.outbox.map(({ failed: _, ...item }) => item);
    this.teardown();
    this.view = "chat";
    this.outbox = unsent;
    this.saveOutbox();
    void this.deliver();
  }

  /** Makes sure a ticket exists and its socket is open; the socket's hello sends the outbox. */
  async deliver(): Promise<void> {
    if (!this.outbox.some((item) => !item.failed)) return;
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
          this.outbox = this.outbox.map((item) => ({ ...item, failed: error.message }));
          return;
        }
        // Offline or a server hiccup: try again with backoff (and at once when back online).
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.deliver(), Math.min(30_000, 1_000 * 2 ** this.startAttempts++));
        return;
      }
    }
    this.connect();
  }

  private connect(): void {
    if (this.connection || !this.ticket) return;
    const ticketId = this.ticket.id;
    this.connection = new Connection(() => this.api.socketUrl(ticketId, this.lastSeq()), {
      onOpen: () => {
        this.connected = true;
        this.notice = null;
      },
      onFrame: (frame) => this.onFrame(frame),
      onDown: () => {
        this.connected = false;
        // A socket refused for an expired token would be refused forever: renew it first.
        if (Date.now() > this.tokenExpiresAt - TOKEN_MARGIN_MS) void this.renewToken();
      },
    });
    this.connection.start();
  }

  /** A fresh token for the same shopper; the connection uses it when it next connects. */
  private async renewToken(): Promise<void> {
    const generation = this.generation;
    try {
      const session = await this.api.session(this.options.customer, this.options.userHash);
      if (generation !== this.generation) return;
      this.token = session.token;
      this.tokenExpiresAt = Date.parse(session.expiresAt);
    } catch {
      // Offline: the next drop tries again.
    }
  }

  private lastSeq(): number {
    return this.messages.at(-1)?.seq ?? 0;
  }

  /** Sends unacknowledged messages (all, or those named) again; the server stores each clientId once. */
  private flush(only?: string[]): void {
    for (const item of this.outbox) {
      if (item.failed || (only && !only.includes(item.clientId))) continue;
      this.connection?.send({ type: "send", clientId: item.clientId, body: item.body, attachments: item.attachments.map(({ key }) => ({ key })) });
    }
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        this.agentRead = frame.reads.agent;
        this.customerRead = Math.max(this.customerRead, frame.reads.customer);
        this.aiMode = frame.aiMode;
        if (frame.status === "closed") return this.finish();
        // Asked for before the chat existed: ahead of the first message, so people answer it.
        if (this.personRequested && this.connection?.send({ type: "handoff" })) this.personRequested = false;
        this.flush();
        return;
      case "ai":
        this.aiMode = frame.mode;
        if (frame.mode !== "answering" && this.notice === strings.personRequested) this.notice = null;
        return;
      case "message": {
        const { type: _, ...message } = frame;
        if (this.messages.some((m) => m.seq === message.seq)) return;
        this.messages = [...this.messages, message].sort((a, b) => a.seq - b.seq);
        this.acknowledge(message.clientId);
        if (message.author.kind !== "customer" && message.author.kind !== "system") {
          this.agentTyping = null;
          dispatchEvent(new CustomEvent("parley:message", { detail: message }));
        }
        this.markRead();
        this.announceUnread();
        return;
      }
      case "ack":
        this.acknowledge(frame.clientId);
        return;
      case "read":
        if (frame.by === "agent") this.agentRead = Math.max(this.agentRead, frame.seq);
        return;
      case "typing":
        if (frame.by !== "agent") return;
        this.agentTyping = frame.name ?? "";
        clearTimeout(this.typingTimer);
        this.typingTimer = setTimeout(() => (this.agentTyping = null), TYPING_SHOWN_MS);
        return;
      case "status":
        if (frame.status === "closed") this.finish();
        return;
      case "error":
        this.onError(frame.code, frame.message, frame.clientId);
        return;
    }
  }

  private onError(code: string, message: string, clientId?: string): void {
    if (code === "conversation_closed") return this.finish();
    if (code === "unauthorized") return void this.renewToken();
    if (!clientId) return;
    if (code === "rate_limited") {
      this.rateLimited.add(clientId);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        const refused = [...this.rateLimited];
        this.rateLimited.clear();
        this.flush(refused);
      }, RATE_LIMIT_RETRY_MS);
      return;
    }
    this.outbox = this.outbox.map((item) => (item.clientId === clientId ? { ...item, failed: message } : item));
    this.saveOutbox();
  }

  private acknowledge(clientId: string | null): void {
    if (!clientId || !this.outbox.some((item) => item.clientId === clientId)) return;
    this.outbox = this.outbox.filter((item) => item.clientId !== clientId);
    this.saveOutbox();
  }

  /** The chat closed: anything still unsent stays visible as not sent, and goes into the next chat. */
  private finish(): void {
    this.ended = true;
    this.agentTyping = null;
    this.connection?.stop();
    this.connection = null;
    this.outbox = this.outbox.map((item) => ({ ...item, failed: strings.ended }));
    this.saveOutbox();
  }

  /** Tells the agent what the shopper has seen: only with the panel open on a visible tab. */
  markRead(): void {
    const newest = this.lastSeq();
    if (!this.open || this.view !== "chat" || document.visibilityState !== "visible" || newest <= this.customerRead) return;
    if (this.connection?.send({ type: "read", seq: newest })) {
      this.customerRead = newest;
      this.announceUnread();
    }
  }

  private announceUnread(): void {
    dispatchEvent(new CustomEvent("parley:unread", { detail: { count: this.unread } }));
  }

  private saveOutbox(): void {
    storage.write(this.key("outbox"), this.outbox.length ? this.outbox : null);
  }
}
