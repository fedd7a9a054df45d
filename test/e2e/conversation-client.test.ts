// The browser conversation client (client/conversation.ts), which the widget and the inbox both
// use, run in Node against `npm start`: a customer's client and an agent's client on one ticket,
// each over storage of its own, with a network the test can cut.
// The client brings in the contract's types, written for ES2024 (String.isWellFormed):
import { afterEach, describe, expect, it } from "vitest";
import type { FrameErrorCodeT, MessageT, ServerFrame, SideT } from "../../contract";
import { createConversation, type Conversation, type ConversationState } from "../../client/conversation";
import { prefixedStorage } from "../../client/storage";
import { base, http, ok, signIn } from "./client";
import { freshCustomer, sessionFor, uniqueIp } from "./widget-fixtures";

const WAIT_MS = 20_000;

/** sessionStorage as a browser tab has it: what survives a reload of the page. */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  clear() {
    this.items.clear();
  }
  /** The storage as it is now, as another tab (or a later load) would find it. */
  copy() {
    const copy = new MemoryStorage();
    for (const [key, value] of this.items) copy.setItem(key, value);
    return copy;
  }
}

type Participant = { side: "customer"; token: string } | { side: "agent"; cookie: string };

/**
 * One side's client as a page holds it, with what the test needs to watch it: its state, every
 * frame it received, the URLs it connected to, and a network switch. While the network is down
 * the current socket is closed and every new one fails, as offline.
 */
class Client {
  state!: ConversationState;
  readonly frames: ServerFrame[] = [];
  readonly urls: string[] = [];
  /** Whether the person can see the thread (the panel open, the ticket on screen). */
  reading = false;
  private online = true;
  private sockets: WebSocket[] = [];
  private readonly waiters = new Set<() => void>();
  readonly conversation: Conversation;

  constructor(
    readonly ticketId: string,
    private readonly who: Participant,
    readonly storage: MemoryStorage = new MemoryStorage(),
  ) {
    this.conversation = createConversation({
      side: who.side,
      storage: prefixedStorage("parley-test:", () => storage),
      outboxKey: "outbox",
      canRead: () => this.reading,
      onChange: (state) => {
        this.state = state;
        for (const waiter of this.waiters) waiter();
      },
      onFrame: (frame) => {
        this.frames.push(frame);
        for (const waiter of this.waiters) waiter();
      },
      createSocket: (url) => this.openSocket(url),
    });
  }

  connect() {
    const socketBase = `${base().replace(/^http/, "ws")}`;
    this.conversation.connect((after) =>
      this.who.side === "customer"
        ? `${socketBase}/api/widget/conversations/${this.ticketId}/ws?token=${encodeURIComponent(this.who.token)}&after=${after}`
        : `${socketBase}/api/tickets/${this.ticketId}/ws?after=${after}`,
    );
    return this.until((state) => state.connected && state.status !== null, "connected");
  }

  /** Resolves once `check` holds for the state (checked now and after every change). */
  until(check: (state: ConversationState) => boolean, what: string): Promise<ConversationState> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(test);
        reject(new Error(`${this.who.side}: not ${what} in ${WAIT_MS} ms; state: ${JSON.stringify(this.state).slice(0, 1500)}`));
      }, WAIT_MS);
      const test = () => {
        if (!check(this.state)) return;
        clearTimeout(timer);
        this.waiters.delete(test);
        resolve(this.state);
      };
      this.waiters.add(test);
      test();
    });
  }

  networkDown() {
    this.online = false;
    for (const socket of this.sockets.splice(0)) socket.close();
  }

  networkUp() {
    this.online = true;
  }

  errors(code: FrameErrorCodeT, clientId?: string) {
    return this.frames.filter((frame) => frame.type === "error" && frame.code === code && (clientId === undefined || frame.clientId === clientId));
  }

  stop() {
    this.conversation.stop();
    this.networkDown();
  }

  private openSocket(url: string): WebSocket {
    this.urls.push(url);
    // Port 9 on loopback refuses at once: the client sees an upgrade that failed.
    const address = this.online ? url : "ws://127.0.0.1:9/";
    // Node's WebSocket (undici) takes headers; a browser sends its session cookie itself.
    const headers = { "CF-Connecting-IP": uniqueIp(), ...(this.who.side === "agent" ? { Cookie: this.who.cookie } : {}) };
    const socket = new WebSocket(address, { headers } as unknown as string[]);
    this.sockets.push(socket);
    return socket;
  }
}

const clients: Client[] = [];

function client(ticketId: string, who: Participant, storage?: MemoryStorage) {
  const created = new Client(ticketId, who, storage);
  clients.push(created);
  return created;
}

afterEach(() => {
  for (const each of clients.splice(0)) each.stop();
});

/** A shopper with an open ticket (no messages yet), and the file's admin as the agent. */
async function conversationStart(label: string) {
  const customer = freshCustomer(label);
  const { token } = await sessionFor(customer);
  const { ticket } = await ok(await http("/api/widget/conversations", { method: "POST", token, ip: uniqueIp() }), 201);
  const cookie = await signIn();
  return { ticketId: ticket.id as string, token, cookie, customerName: customer.name };
}

async function storedMessages(ticketId: string, cookie: string): Promise<MessageT[]> {
  return (await ok(await http(`/api/tickets/${ticketId}/messages?limit=200`, { cookie }))).messages;
}

const seqs = (messages: MessageT[]) => messages.map((message) => message.seq);
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const bodies = (messages: MessageT[]) => messages.map((message) => message.body);
const written = (state: ConversationState, by: SideT) => state.messages.filter((message) => message.author.kind === by);

describe("the browser conversation client", () => {
  it("keeps unsent messages through a reload and delivers each exactly once", async () => {
    const { ticketId, token, cookie } = await conversationStart("reload");
    const tab = new MemoryStorage();

    // Never connected: both messages wait in the outbox, which is in the tab's storage.
    const before = client(ticketId, { side: "customer", token }, tab);
    before.conversation.send("  Written on the train  ");
    before.conversation.send("Still in the tunnel");
    expect(before.state.outbox.map((item) => item.body)).toEqual(["Written on the train", "Still in the tunnel"]);
    const [first, second] = before.state.outbox.map((item) => item.clientId);

    // The page reloads: a new client over the same storage starts with the same outbox.
    before.stop();
    const after = client(ticketId, { side: "customer", token }, tab);
    expect(after.state.outbox.map((item) => item.clientId)).toEqual([first, second]);
    await after.connect();
    const delivered = await after.until((state) => state.outbox.length === 0 && state.messages.length === 2, "delivered");
    expect(delivered.messages.map((message) => [message.seq, message.clientId, message.body])).toEqual([
      [1, first, "Written on the train"],
      [2, second, "Still in the tunnel"],
    ]);
    expect(tab.length).toBe(0);

    // Reloaded again with a message on the wire: it is sent again on the next load, and stored once.
    const third = client(ticketId, { side: "customer", token }, tab);
    await third.connect();
    third.conversation.send("Sent as the page went away");
    third.stop();
    const fourth = client(ticketId, { side: "customer", token }, tab);
    await fourth.connect();
    await fourth.until((state) => state.outbox.length === 0 && state.messages.length === 3, "caught up");
    expect(bodies(await storedMessages(ticketId, cookie))).toEqual(["Written on the train", "Still in the tunnel", "Sent as the page went away"]);
    expect(bodies(fourth.state.messages)).toEqual(["Written on the train", "Still in the tunnel", "Sent as the page went away"]);
  });

  it("merges frames and history by seq, with no gap or duplicate, across a forced disconnect", async () => {
    const { ticketId, token, cookie } = await conversationStart("resume");
    const customer = client(ticketId, { side: "customer", token });
    await customer.connect();
    customer.conversation.send("Hello, anyone there?");
    await customer.until((state) => state.messages.length === 1, "stored");

    // The agent's view starts from a page of history, then resumes the socket after it.
    const agent = client(ticketId, { side: "agent", cookie });
    agent.conversation.addMessages(await storedMessages(ticketId, cookie));
    await agent.connect();
    expect(agent.urls.at(-1)).toMatch(/after=1$/);
    agent.conversation.send("Yes! How can I help?");
    await customer.until((state) => state.messages.length === 2, "hearing the agent");

    // The customer's network drops. Meanwhile the agent writes, and so does the customer.
    customer.networkDown();
    await customer.until((state) => !state.connected, "disconnected");
    for (const n of [1, 2, 3]) agent.conversation.send(`While you were away, part ${n}`);
    await agent.until((state) => state.outbox.length === 0 && state.messages.length === 5, "done writing");
    customer.conversation.send("Sorry, I lost the connection");
    customer.conversation.send("Are you still there?");
    expect(customer.state.outbox).toHaveLength(2);

    // Back online: the socket resumes after the newest message it has, and the outbox goes out.
    const attemptsBefore = customer.urls.length;
    customer.networkUp();
    await customer.until((state) => state.connected && state.outbox.length === 0 && state.messages.length === 7, "caught up");
    expect(customer.urls.length).toBeGreaterThan(attemptsBefore);
    expect(customer.urls.at(-1)).toMatch(/after=2$/);
    await agent.until((state) => state.messages.length === 7, "caught up");

    const stored = await storedMessages(ticketId, cookie);
    expect(seqs(stored)).toEqual(oneToN(7));
    for (const side of [customer, agent]) {
      expect(seqs(side.state.messages)).toEqual(oneToN(7));
      expect(side.state.messages.map((message) => message.id)).toEqual(stored.map((message) => message.id));
    }
    expect(bodies(written(customer.state, "customer"))).toEqual(["Hello, anyone there?", "Sorry, I lost the connection", "Are you still there?"]);

    // History merged again (an older page that overlaps) changes nothing.
    agent.conversation.addMessages(stored.slice(0, 4));
    expect(seqs(agent.state.messages)).toEqual(oneToN(7));
  });

  it("takes the ack of a resend as done when its message is older than what the view holds", async () => {
    const { ticketId, token, cookie } = await conversationStart("ack");
    const customer = client(ticketId, { side: "customer", token });
    await customer.connect();
    customer.conversation.send("Where is my parcel?");
    await customer.until((state) => state.messages.length === 1, "stored");

    // An agent's reply, as the tab's storage held it the moment it was sent (before its ack).
    const agentTab = new MemoryStorage();
    const agent = client(ticketId, { side: "agent", cookie }, agentTab);
    await agent.connect();
    agent.conversation.send("It is on its way.");
    const reloadedTab = agentTab.copy();
    await agent.until((state) => state.outbox.length === 0 && state.messages.length === 2, "replied");
    customer.conversation.send("Thanks!");
    await agent.until((state) => state.messages.length === 3, "thanked");

    // A later load shows only the newest page, which starts after the reply, and resumes after it:
    // the reply is sent again, the server answers with its ack alone, and the outbox lets it go.
    const reloaded = client(ticketId, { side: "agent", cookie }, reloadedTab);
    expect(reloaded.state.outbox.map((item) => item.body)).toEqual(["It is on its way."]);
    reloaded.conversation.addMessages((await storedMessages(ticketId, cookie)).slice(2));
    await reloaded.connect();
    await reloaded.until((state) => state.outbox.length === 0, "acknowledged");
    expect(reloaded.frames.filter((frame) => frame.type === "ack")).toEqual([{ type: "ack", clientId: expect.any(String), seq: 2 }]);
    expect(seqs(reloaded.state.messages)).toEqual([3]);
    expect(bodies(await storedMessages(ticketId, cookie))).toEqual(["Where is my parcel?", "It is on its way.", "Thanks!"]);
  });

  it("shows typing and read receipts both ways", async () => {
    const { ticketId, token, cookie, customerName } = await conversationStart("receipts");
    const customer = client(ticketId, { side: "customer", token });
    await customer.connect();
    customer.conversation.send("Is the navy one in stock?");
    await customer.until((state) => state.messages.length === 1, "stored");
    const agent = client(ticketId, { side: "agent", cookie });
    await agent.connect();
    await agent.until((state) => state.messages.length === 1, "holding the question");

    // The agent does not have the ticket on screen: no read receipt goes out by itself.
    expect(agent.state.reads.agent).toBe(0);
    agent.reading = true;
    agent.conversation.markRead();
    await customer.until((state) => state.reads.agent === 1, "seen by the agent");

    customer.conversation.typing();
    const typing = await agent.until((state) => state.peerTyping !== null, "seeing the customer type");
    expect(typing.peerTyping?.name).toBe(customerName);
    // Received typing goes away by itself.
    await agent.until((state) => state.peerTyping === null, "done showing the typing");

    agent.conversation.typing();
    expect((await customer.until((state) => state.peerTyping !== null, "seeing the agent type")).peerTyping?.name).toBe("Admin");
    agent.conversation.send("Yes, in every size.");
    // The reply ends the typing it followed, in the same change that brings it.
    const replied = await customer.until((state) => state.messages.length === 2, "hearing the reply");
    expect(replied.peerTyping).toBeNull();

    // The customer reads only once the thread is in view; the agent sees it.
    expect(customer.state.reads.customer).toBe(0);
    customer.reading = true;
    customer.conversation.markRead();
    await agent.until((state) => state.reads.customer === 2, "seen by the customer");
    expect(customer.state.reads.customer).toBe(2);
  });

  it("sends again what was refused as rate_limited, until each is stored once", async () => {
    const { ticketId, token, cookie } = await conversationStart("burst");
    const customer = client(ticketId, { side: "customer", token });
    await customer.connect();
    // More than the 60 sends per 10 s one sender may make.
    const burst = oneToN(75).map((n) => `Burst message ${n}`);
    for (const body of burst) customer.conversation.send(body);

    await customer.until((state) => state.outbox.length === 0 && state.messages.length === burst.length, "all stored");
    expect(customer.errors("rate_limited").length).toBeGreaterThan(0);
    const stored = await storedMessages(ticketId, cookie);
    expect(seqs(stored)).toEqual(oneToN(burst.length));
    expect(bodies(stored).sort()).toEqual([...burst].sort());
  });

  it("keeps the rating: live from the rating frame on both sides, and from the hello on a later connect", async () => {
    const { ticketId, token, cookie } = await conversationStart("rating");
    const customer = client(ticketId, { side: "customer", token });
    await customer.connect();
    customer.conversation.send("Where is my parcel?");
    await customer.until((state) => state.messages.length === 1, "stored");
    const agent = client(ticketId, { side: "agent", cookie });
    await agent.connect();
    expect([customer.state.rating, agent.state.rating]).toEqual([null, null]);
    customer.conversation.sendFrame({ type: "end" });
    await agent.until((state) => state.status === "closed", "closed");

    const { rating } = await ok(
      await http(`/api/widget/conversations/${ticketId}/rating`, { method: "POST", token, ip: uniqueIp(), json: { score: 4, comment: "Quick and kind" } }),
      201,
    );
    expect(rating).toEqual({ score: 4, comment: "Quick and kind", createdAt: expect.any(String) });
    await Promise.all([customer.until((state) => state.rating !== null, "rated"), agent.until((state) => state.rating !== null, "rated")]);
    expect(agent.state.rating).toEqual(rating);

    const later = client(ticketId, { side: "agent", cookie });
    await later.connect();
    expect(later.state.rating).toEqual(rating);
  });

  it("shows a refusal on the message instead of sending it again and again", async () => {
    const { ticketId, token, cookie } = await conversationStart("refusal");
    const customer = client(ticketId, { side: "customer", token });
    await customer.connect();
    // Trimming leaves zero-width spaces, which the server refuses: nothing in it can be seen.
    customer.conversation.send("\u200b\u200b");
    const [refused] = customer.state.outbox;
    const failed = await customer.until((state) => state.outbox[0]?.failed !== undefined, "refused");
    expect(failed.outbox).toEqual([expect.objectContaining({ clientId: refused!.clientId, failed: expect.stringContaining("visible") })]);

    // A reconnect's hello sends what waits, but not what was refused. The server answers frames in
    // order, so a message sent after the hello comes back after any refusal of a resend.
    customer.networkDown();
    await customer.until((state) => !state.connected, "disconnected");
    customer.networkUp();
    await customer.until(() => customer.frames.filter((frame) => frame.type === "hello").length === 2, "greeted again");
    customer.conversation.send("Sorry, I meant: hello!");
    await customer.until((state) => state.messages.length === 1, "stored");
    expect(customer.errors("invalid_frame", refused!.clientId)).toHaveLength(1);
    expect(customer.state.outbox).toEqual([expect.objectContaining({ clientId: refused!.clientId })]);

    // Retry is the person's choice: one more attempt, refused again.
    customer.conversation.retry(refused!.clientId);
    await customer.until(() => customer.errors("invalid_frame", refused!.clientId).length === 2, "refused again");
    await customer.until((state) => state.outbox[0]?.failed !== undefined, "shown as refused");
    customer.conversation.discard(refused!.clientId);
    expect(customer.state.outbox).toEqual([]);
    expect(bodies(await storedMessages(ticketId, cookie))).toEqual(["Sorry, I meant: hello!"]);
  });
});
