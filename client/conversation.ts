// One conversation as a participant's browser holds it, over the ticket's socket: the thread
// (frames and history merged by `seq`), an outbox of messages the server has not stored yet
// (kept in storage, so a reload loses nothing; resent with the same clientId, so each is stored
// once), read marks both ways, the other side's typing, the ticket's status and AI mode. The widget
// speaks for the customer with it and the inbox for an agent; each keeps its own view state and
// hears of this one's through `onChange`.
import type { AiModeT, AttachmentT, ClientFrameT, MessageT, RatingT, ServerFrame, SideT, TicketStatusT, TypingFrame } from "../contract";
import { connect as openSocket, type Connection, type SocketFactory } from "./connection";
import type { KeyValueStore } from "./storage";

/** A message the server has not stored yet; `failed` says why it was refused. */
export type OutboxItem = { clientId: string; body: string; attachments: AttachmentT[]; createdAt: string; failed?: string };

export type ConversationState = {
  messages: MessageT[];
  outbox: OutboxItem[];
  /** How far each side has read. */
  reads: Record<SideT, number>;
  /** The other side is typing: the frame that said so, with its name. */
  peerTyping: Pick<TypingFrame, "name"> | null;
  connected: boolean;
  /** Unknown until the socket's hello. */
  status: TicketStatusT | null;
  /** Who answers the customer (the AI agent, or people); see AiModeT. */
  aiMode: AiModeT;
  /** The customer's rating of the closed ticket, once given (CSAT). */
  rating: RatingT | null;
};

export type ConversationOptions = {
  side: SideT;
  storage: KeyValueStore;
  /** Where the outbox is kept: it names who sends, so nobody else's leftovers are ever sent. */
  outboxKey: string;
  /** Whether the person can see the thread now (read receipts tell the truth). */
  canRead(): boolean;
  /** Called at once and after every change; the state is replaced, never changed in place. */
  onChange(state: ConversationState): void;
  /** Every frame once taken in here; hello's before the outbox goes out, so a frame sent from there goes first. */
  onFrame?(frame: ServerFrame): void;
  /** The socket went down; it reconnects by itself. */
  onDown?(): void;
  createSocket?: SocketFactory;
};

const TYPING_SHOWN_MS = 5_000;
const TYPING_EVERY_MS = 2_000;
const RATE_LIMIT_RETRY_MS = 2_000;

export const emptyConversation: ConversationState = {
  messages: [],
  outbox: [],
  reads: { customer: 0, agent: 0 },
  peerTyping: null,
  connected: false,
  status: null,
  aiMode: null,
  rating: null,
};

/** Which side wrote a message: bots speak for the team, system notes for nobody. */
export function sideOf(message: Pick<MessageT, "author">): SideT | null {
  const { kind } = message.author;
  return kind === "system" ? null : kind === "customer" ? kind : "agent";
}

export type Conversation = ReturnType<typeof createConversation>;

export function createConversation({ side, storage, outboxKey, canRead, onChange, onFrame, onDown, createSocket }: ConversationOptions) {
  const peer: SideT = side === "customer" ? "agent" : "customer";
  let state: ConversationState = { ...emptyConversation, outbox: storage.read<OutboxItem[]>(outboxKey) ?? [] };
  let connection: Connection | null = null;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let rateLimitTimer: ReturnType<typeof setTimeout> | undefined;
  let lastTypingSent = 0;

  const lastSeq = () => state.messages.at(-1)?.seq ?? 0;
  const sendFrame = (frame: ClientFrameT) => !!connection?.send(frame);

  function update(change: Partial<ConversationState>): void {
    state = { ...state, ...change };
    onChange(state);
  }

  function saveOutbox(outbox: OutboxItem[]): void {
    update({ outbox });
    storage.write(outboxKey, outbox.length ? outbox : null);
  }

  function changeItems(match: (item: OutboxItem) => boolean, change: Partial<OutboxItem>): void {
    if (state.outbox.some(match)) saveOutbox(state.outbox.map((item) => (match(item) ? { ...item, ...change } : item)));
  }

  function dropItems(match: (item: OutboxItem) => boolean): void {
    if (state.outbox.some(match)) saveOutbox(state.outbox.filter((item) => !match(item)));
  }

  const discard = (clientId: string) => dropItems((item) => item.clientId === clientId);

  /** Marks every message waiting as not sent, saying why (the chat can't start, it ended). */
  const failUnsent = (reason: string) => changeItems(() => true, { failed: reason });

  /** Sends what waits (all, or the one named) in order; the server stores each clientId once. */
  function flush(only?: string): void {
    for (const item of state.outbox) {
      if (item.failed || (only && item.clientId !== only)) continue;
      if (!sendFrame({ type: "send", clientId: item.clientId, body: item.body, attachments: item.attachments.map(({ key }) => ({ key })) })) return;
    }
  }

  /** Messages from anywhere (a page of history, a frame): each seq once, in order; their outbox entries are done, and they are read if they can be. */
  function addMessages(messages: MessageT[]): void {
    const fresh = messages.filter((message) => !state.messages.some((known) => known.seq === message.seq));
    if (!fresh.length) return;
    update({ messages: [...state.messages, ...fresh].sort((a, b) => a.seq - b.seq) });
    dropItems((item) => fresh.some((message) => message.clientId === item.clientId));
    markRead();
  }

  /** Read marks only move forward (another tab or agent may be further along). */
  const readUpTo = (by: SideT, seq: number) => update({ reads: { ...state.reads, [by]: Math.max(state.reads[by], seq) } });

  function showTyping(peerTyping: ConversationState["peerTyping"]): void {
    clearTimeout(typingTimer);
    if (peerTyping) typingTimer = setTimeout(() => update({ peerTyping: null }), TYPING_SHOWN_MS);
    update({ peerTyping });
  }

  /** Reads up to the newest message, when the other side wrote something unread and the person can see it. */
  function markRead(): void {
    const newestFromPeer = state.messages.findLast((message) => sideOf(message) === peer)?.seq ?? 0;
    const seq = lastSeq();
    if (newestFromPeer > state.reads[side] && canRead() && sendFrame({ type: "read", seq })) readUpTo(side, seq);
  }

  function receive(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        readUpTo("customer", frame.reads.customer);
        readUpTo("agent", frame.reads.agent);
        update({ status: frame.status, aiMode: frame.aiMode, rating: frame.rating });
        break;
      case "message": {
        const { type: _, ...message } = frame;
        if (sideOf(message) === peer) showTyping(null);
        addMessages([message]);
        break;
      }
      case "ack":
        // Stored. Its message frame came first, unless it was a resend of one stored before: in the history then.
        discard(frame.clientId);
        break;
      case "read":
        readUpTo(frame.by, frame.seq);
        break;
      case "typing":
        if (frame.by === peer) showTyping(frame);
        break;
      case "status":
        update({ status: frame.status });
        break;
      case "ai":
        update({ aiMode: frame.mode });
        break;
      case "rating":
        update({ rating: frame.rating });
        break;
      case "error":
        if (frame.code === "conversation_closed") update({ status: "closed" });
        if (frame.code !== "rate_limited") changeItems((item) => item.clientId === frame.clientId, { failed: frame.message });
        else {
          // Whatever is still waiting by then goes again (what the server took meanwhile has its ack).
          clearTimeout(rateLimitTimer);
          rateLimitTimer = setTimeout(flush, RATE_LIMIT_RETRY_MS);
        }
        break;
    }
    onFrame?.(frame);
    if (frame.type !== "hello") return;
    // (Re)connected: what waits goes out, and what came meanwhile may be read now.
    flush();
    markRead();
  }

  onChange(state);
  return {
    /** Opens the ticket's socket; `url` resumes after the newest message held, on every (re)connect. */
    connect(url: (after: number) => string): void {
      connection ??= openSocket(
        () => url(lastSeq()),
        {
          onOpen: () => update({ connected: true }),
          onFrame: receive,
          onDown: () => {
            update({ connected: false });
            onDown?.();
          },
        },
        createSocket,
      );
    },

    stop(): void {
      connection?.stop();
      connection = null;
      clearTimeout(typingTimer);
      clearTimeout(rateLimitTimer);
      update({ connected: false, peerTyping: null });
    },

    /** Queues a message (unless it is empty or the conversation closed) and sends it if the socket is open. */
    send(body: string, attachments: AttachmentT[] = []): void {
      const text = body.trim();
      if (!text || state.status === "closed") return;
      const item: OutboxItem = { clientId: crypto.randomUUID(), body: text, attachments, createdAt: new Date().toISOString() };
      // The message ends the typing the other side saw: the next keystroke says so again at once.
      lastTypingSent = 0;
      saveOutbox([...state.outbox, item]);
      flush(item.clientId);
    },

    /** Tries a refused message again, or every refused one. */
    retry(clientId?: string): void {
      changeItems((item) => !clientId || item.clientId === clientId, { failed: undefined });
      flush(clientId);
    },

    /** The person is typing: the other side hears of it, at most every couple of seconds. */
    typing(): void {
      if (Date.now() - lastTypingSent >= TYPING_EVERY_MS && sendFrame({ type: "typing" })) lastTypingSent = Date.now();
    },

    discard,
    failUnsent,
    markRead,
    /** A frame of the caller's own (ending the chat, asking for a person); false while offline. */
    sendFrame,
    addMessages,
  };
}
