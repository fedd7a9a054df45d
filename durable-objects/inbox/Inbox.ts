// The one inbox object: it writes every ticket's changes to D1 (the inbox index), and every
// connected agent gets `ticket` and `counts` frames live. It keeps the newest change of each
// ticket under a revision number, so an agent who reconnects with `?since=<rev>` gets exactly what
// changed while they were away.
import { DurableObject } from "cloudflare:workers";
import type { InboxFrame, MentionFrame, TicketT } from "../../contract";
import { db } from "../../worker/db/client";
import { countTickets, type TicketRecord } from "../../worker/lib/tickets";
import { conversationStub } from "../../worker/lib/stubs";
import { ADMIN_TAG, answerClose, broadcastFrame, endSession, identityTags, liveSockets, readIdentity, sendFrame } from "../sockets";
import { AGENT_SOCKETS } from "../conversation/rpc";
import type { IndexedMessage } from "../../worker/lib/search";
import { IndexWriter } from "./index-writer";

/** How many revisions of changes are kept for catching up; older clients reload the list. */
const RETAINED_CHANGES = 20_000;
/** How long ticket changes gather before one counts frame follows them. */
const COUNTS_DELAY_MS = 50;

/** What became of a ticket's record handed to the inbox: in D1 and announced, or refused and why. */
export type TicketChangedOutcome = { written: true } | { written: false; error: string };

export class Inbox extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly index: IndexWriter;
  /** A counts frame is on its way (the alarm is set); memory only, so a wake-up may set it once more. */
  private countsArmed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS changes (rev INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id TEXT NOT NULL UNIQUE, ticket TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS pruned (id INTEGER PRIMARY KEY CHECK (id = 1), rev INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS session_tickets (
        session TEXT NOT NULL, ticket_id TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (session, ticket_id));`);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
    this.index = new IndexWriter(
      () => db(env.DB),
      (records) => this.announce(records),
    );
  }

  private currentRev(): number {
    return this.sql.exec<{ rev: number | null }>("SELECT max(rev) AS rev FROM changes").one().rev ?? this.prunedRev();
  }

  private prunedRev(): number {
    return this.sql.exec<{ rev: number }>("SELECT rev FROM pruned WHERE id = 1").toArray()[0]?.rev ?? 0;
  }

  /**
   * A ticket's object hands over its newest record, and the messages the search index lacks: the
   * answer comes once D1 holds them (written together with other tickets' changes) and the
   * agents have heard, or D1 refused it. A refusal is an answer, not an exception: the ticket's
   * object keeps the write owed, logs it and retries, while a rejected RPC would also end this
   * object's call as an uncaught exception (workerd logs every rejected promise an RPC method
   * returns), reporting one handled failure twice.
   */
  async ticketChanged(record: TicketRecord, messages: IndexedMessage[] = []): Promise<TicketChangedOutcome> {
    try {
      await this.index.write(record, messages);
      return { written: true };
    } catch (error) {
      return { written: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Records D1 now holds: each becomes the ticket's newest change, and the agents hear of it. */
  private announce(records: TicketRecord[]): void {
    let counted = false;
    let erased = false;
    for (const { visible, version: _, facts: _facts, erasedAt, ...ticket } of records) {
      erased ||= erasedAt !== undefined;
      if (!visible && !ticket.handledByAi) continue;
      // REPLACE deletes the ticket's previous change, so the new one takes the next revision.
      const { rev } = this.sql
        .exec<{ rev: number }>("INSERT OR REPLACE INTO changes (ticket_id, ticket) VALUES (?, ?) RETURNING rev", ticket.id, JSON.stringify(ticket))
        .one();
      if (rev % 1000 === 0) this.pruneUpTo(rev - RETAINED_CHANGES);
      // The AI agent's conversations are for admins (their AI view) and leave the counts alone.
      const listeners = liveSockets(this.ctx, ticket.handledByAi ? ADMIN_TAG : undefined);
      if (listeners.length === 0) continue;
      broadcastFrame(listeners, { type: "ticket", ticket, rev } satisfies InboxFrame);
      counted ||= !ticket.handledByAi;
    }
    if (counted) this.countSoon();
    if (erased) this.forgetChanges();
  }

  /**
   * A customer was erased: the changes kept for catching up may hold their name and words, so
   * they all go, and every agent reloads the list (so does one who reconnects later).
   */
  private forgetChanges(): void {
    const rev = this.currentRev();
    this.pruneUpTo(rev);
    this.broadcast({ type: "resync", rev });
    this.countSoon();
  }

  /** Counts scan an index in D1: changes arriving together share one count, by the alarm. */
  private countSoon(): void {
    if (this.countsArmed) return;
    this.countsArmed = true;
    this.ctx.waitUntil(this.ctx.storage.setAlarm(Date.now() + COUNTS_DELAY_MS));
  }

  override async alarm(): Promise<void> {
    this.countsArmed = false;
    if (liveSockets(this.ctx).length === 0) return;
    const rev = this.currentRev();
    this.broadcast({ type: "counts", rev, ...(await countTickets(db(this.env.DB))) });
  }

  /** Drops the changes up to `floor`: a client behind it reloads the list. */
  private pruneUpTo(floor: number): void {
    if (floor <= this.prunedRev()) return;
    this.sql.exec("DELETE FROM changes WHERE rev <= ?", floor);
    this.sql.exec("INSERT INTO pruned (id, rev) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET rev = excluded.rev", floor);
  }

  /** A frame for one agent only (a note mentions them): their inbox sockets, in every tab. */
  async sendToAgent(agentId: string, frame: MentionFrame): Promise<void> {
    // Tagged `<side>:<id>` when accepted (identityTags).
    broadcastFrame(liveSockets(this.ctx, `${AGENT_SOCKETS}:${agentId}`), frame);
  }

  /** Remembers which tickets an agent session has a socket on, so logout can reach them. */
  async noteSessionTicket(session: string, ticketId: string, expiresAt: number): Promise<void> {
    this.sql.exec("DELETE FROM session_tickets WHERE expires_at < ?", Date.now());
    this.sql.exec("INSERT INTO session_tickets (session, ticket_id, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", session, ticketId, expiresAt);
  }

  /** Logout: ends the session's inbox sockets and its sockets on every ticket it opened. */
  async endSession(session: string): Promise<void> {
    endSession(this.ctx, session);
    const tickets = this.sql.exec<{ ticket_id: string }>("SELECT ticket_id FROM session_tickets WHERE session = ?", session).toArray();
    await Promise.all(tickets.map(({ ticket_id }) => conversationStub(this.env, ticket_id).endSession(session)));
    this.sql.exec("DELETE FROM session_tickets WHERE session = ?", session);
  }

  override async fetch(request: Request): Promise<Response> {
    const agent = readIdentity(request);
    if (!agent) return new Response("Expected a WebSocket upgrade from the Parley worker.", { status: 400 });
    const sinceParam = new URL(request.url).searchParams.get("since");
    // Counts cover the changes up to `counted`; anything that lands while D1 answers is
    // replayed as ticket frames, and a fresh count follows it.
    const counted = this.currentRev();
    const counts: InboxFrame = { type: "counts", rev: counted, ...(await countTickets(db(this.env.DB))) };
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, identityTags(agent));
    server.serializeAttachment(agent);
    const rev = this.currentRev();
    const catchUp = this.catchUp(sinceParam === null ? counted : Number(sinceParam), rev, agent.admin);
    // A fresh connection opens with its counts, whose revision the list loads from (docs/inbox.md),
    // so what landed meanwhile comes after them; a returning one catches up first.
    const opening = sinceParam === null ? [counts, ...catchUp] : [...catchUp, counts];
    for (const frame of opening) this.send(server, frame);
    if (rev > counted) this.countSoon();
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The ticket frames of what changed after `since`, or resync when those changes are not all kept. */
  private catchUp(since: number, rev: number, admin: boolean | undefined): InboxFrame[] {
    if (!Number.isInteger(since) || since < this.prunedRev() || since > rev) return [{ type: "resync", rev }];
    const frames: InboxFrame[] = [];
    for (const row of this.sql.exec<{ rev: number; ticket: string }>("SELECT rev, ticket FROM changes WHERE rev > ? ORDER BY rev", since)) {
      const ticket = JSON.parse(row.ticket) as TicketT;
      if (!ticket.handledByAi || admin) frames.push({ type: "ticket", ticket, rev: row.rev });
    }
    return frames;
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    // The inbox socket only listens; a ping in any spelling still gets its pong.
    if (typeof raw === "string" && raw.includes('"ping"')) ws.send('{"type":"pong"}');
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    answerClose(ws, code, reason);
  }

  private send(ws: WebSocket, frame: InboxFrame): void {
    sendFrame(ws, frame);
  }

  private broadcast(frame: InboxFrame): void {
    broadcastFrame(liveSockets(this.ctx), frame);
  }
}
