// The narrow core every part of a ticket's object shares: the one writer of its state, the log's
// summary in memory, the sockets, and the one alarm. "Store, then tell everyone, then schedule
// what is owed" happens here and nowhere else.
import type { AiModeT, ServerFrame, TicketStatusT, TicketT } from "../../contract";
import { broadcastFrame, liveSockets, sendFrame } from "../sockets";
import { publicTicket, readStoredState, summarizeLog, ticketVersion, type LogSummary, type MessageRow, type StoredState } from "./state";

/** What a step may change that others must hear of: compared before and after it. */
export type Snapshot = { status: TicketStatusT; assigneeId: string | null; aiMode: AiModeT };

/**
 * Runs inside a step's transaction, before the state is stored: may owe jobs for the change.
 * `entered`: the ticket has just entered the inbox (the customer wrote, and people answer).
 */
export type ChangeListener = (before: Snapshot, state: StoredState, entered: boolean) => void;

/** Something that may want the alarm, and when (ms), or null when it needs nothing. */
export type DueSource = () => number | null;

/** A change waits this long to gather the rest of its burst into one D1 write. */
const DEFAULT_SYNC_DELAY_MS = 250;
/** A conversation that keeps going is written to D1 at most this often. */
export const MIN_SYNC_INTERVAL_MS = 1_000;

export class ConversationCore {
  readonly sql: SqlStorage;
  private stored: StoredState | null | undefined;
  private summary: LogSummary | undefined;
  private readonly listeners: ChangeListener[] = [];
  private readonly dueSources: DueSource[] = [];
  /** When the owed D1 write is due (memory only: after a wake-up, owed is version > synced). */
  syncDueAt: number | null = null;
  /** When the first change the owed write carries was made (memory only). */
  private firstOwedChangeAt = 0;
  /** The alarm as last read or set; undefined until first needed after a wake-up. */
  private alarmAt: number | null | undefined;
  /** The owed write moved later (a burst): the alarm set for it must follow. */
  private alarmMovesLater = false;
  private writing = false;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
  ) {
    this.sql = ctx.storage.sql;
  }

  // ---- state ---------------------------------------------------------------------------------

  /** The stored state, read once per wake-up (the object is its only writer), or null before init. */
  get state(): StoredState | null {
    if (this.stored === undefined) {
      const row = this.sql.exec<{ data: string }>("SELECT data FROM state WHERE id = 1").toArray()[0];
      this.stored = row ? readStoredState(row.data) : null;
      // A change made before an eviction may not have reached D1 yet: it is owed now.
      if (this.stored && ticketVersion(this.stored, this.log) > this.stored.sync.version) this.syncDueAt = Date.now();
    }
    return this.stored;
  }

  get log(): LogSummary {
    this.summary ??= summarizeLog(this.sql);
    return this.summary;
  }

  ticket(): TicketT {
    return publicTicket(this.state!, this.log);
  }

  version(): number {
    return ticketVersion(this.state!, this.log);
  }

  snapshot(): Snapshot {
    const state = this.state!;
    return { status: state.status, assigneeId: state.assigneeId, aiMode: state.ai.mode };
  }

  /** Creates the state (a new conversation). */
  create(state: StoredState): void {
    this.writeRow(state);
    this.stored = state;
  }

  /** Runs `step` as one transaction: everything it stores lands together, or nothing does. */
  write<T>(step: () => T): T {
    if (this.writing) return step();
    this.writing = true;
    try {
      return this.ctx.storage.transactionSync(step);
    } finally {
      this.writing = false;
    }
  }

  /**
   * The end of a step that changed the stored state: the listeners add what the change owes
   * (webhook events, emails), the state is stored with a new version, D1 is owed it, and every
   * participant hears what changed of the status, the assignee and who answers.
   */
  commit(before: Snapshot): void {
    const state = this.state!;
    this.write(() => {
      const entered = state.visible && !state.announced;
      state.announced ||= entered;
      for (const listener of this.listeners) listener(before, state, entered);
      state.version += 1;
      this.writeRow(state);
    });
    this.oweSync();
    if (before.status !== state.status || before.assigneeId !== state.assigneeId)
      this.broadcast({ type: "status", status: state.status, assigneeId: state.assigneeId });
    if (before.aiMode !== state.ai.mode) this.broadcast({ type: "ai", mode: state.ai.mode });
  }

  /** Stores the state without telling anyone: bookkeeping that is not part of the ticket (sync, emails sent). */
  saveQuietly(): void {
    this.writeRow(this.state!);
  }

  private writeRow(state: StoredState): void {
    this.sql.exec("INSERT INTO state (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data", JSON.stringify(state));
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** A message was stored: the log's summary moves on, and D1 is owed the new version. */
  noteMessage(row: Pick<MessageRow, "seq" | "author_kind" | "body" | "created_at">): void {
    const log = this.log;
    log.lastSeq = row.seq;
    if (row.author_kind === "customer") log.lastCustomerSeq = row.seq;
    if (row.author_kind === "agent") log.lastAgentSeq = row.seq;
    log.lastBody = row.body;
    log.lastMessageAt = row.created_at;
    this.oweSync();
  }

  /**
   * The log was emptied (the customer was erased): its summary starts over, and D1 is owed the
   * change at once, not after a burst's wait. The alarm is set in the same turn as the step's
   * writes, without an await between, so it is stored with them: what the erasure still owes is
   * done even if the object stops right after.
   */
  forgetLog(): void {
    this.summary = undefined;
    const now = Date.now();
    this.syncDueAt = now;
    // Owed at once: whatever changes come on its heels, no burst holds this write back.
    this.firstOwedChangeAt = 0;
    void this.ctx.storage.setAlarm(now);
    this.alarmAt = now;
  }

  /**
   * D1 is owed the newest version: a change waits D1_SYNC_DELAY_MS for the rest of its burst, no
   * sooner than MIN_SYNC_INTERVAL_MS after the previous write.
   */
  private oweSync(): void {
    const now = Date.now();
    if (this.syncDueAt === null) {
      this.firstOwedChangeAt = now;
      this.syncDueAt = Math.max(now + this.syncDelay(), this.state!.sync.at + MIN_SYNC_INTERVAL_MS);
    } else this.holdForBurst(now, this.syncDueAt);
  }

  /**
   * A change in the last half of D1_SYNC_DELAY_MS before the owed write (not just on the heels of
   * the first, as an automatic reply is) means the burst is still going: the write moves to the
   * end of the burst's first second, so that a burst of up to a second is one write, and still no
   * change waits longer than that. Decided as the change comes, not when the alarm fires, so the
   * alarm moves once and the object is not woken for a write that is not due.
   */
  private holdForBurst(now: number, dueAt: number): void {
    const latest = this.firstOwedChangeAt + Math.max(this.syncDelay(), MIN_SYNC_INTERVAL_MS);
    if (dueAt >= latest || now < dueAt - this.syncDelay() / 2) return;
    this.syncDueAt = latest;
    this.alarmMovesLater = true;
  }

  private syncDelay(): number {
    return Number(this.env.D1_SYNC_DELAY_MS ?? DEFAULT_SYNC_DELAY_MS);
  }

  // ---- sockets -------------------------------------------------------------------------------

  send(ws: WebSocket, frame: ServerFrame): void {
    sendFrame(ws, frame);
  }

  broadcast(frame: ServerFrame, except?: WebSocket): void {
    broadcastFrame(liveSockets(this.ctx), frame, except);
  }

  // ---- the one alarm -------------------------------------------------------------------------

  /** Registers something that may want the alarm; `schedule` asks each for its due time. */
  wantsAlarm(source: DueSource): void {
    this.dueSources.push(source);
  }

  /**
   * Makes sure the alarm fires by the earliest due time. A burst of changes finds the alarm
   * already armed early enough and costs no storage call; only a write held for its burst moves
   * the alarm later.
   */
  async schedule(): Promise<void> {
    let next = this.syncDueAt ?? Infinity;
    for (const source of this.dueSources) next = Math.min(next, source() ?? Infinity);
    const movesLater = this.alarmMovesLater;
    this.alarmMovesLater = false;
    if (next === Infinity) return;
    const mustSet = (alarmAt: number | null) => alarmAt === null || alarmAt > next || (movesLater && alarmAt !== next);
    if (this.alarmAt !== undefined && !mustSet(this.alarmAt)) return;
    // Null is known too (it fired, or the last read found none): only undefined is read again.
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (mustSet(this.alarmAt)) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  /** The alarm fired: it is no longer set. */
  alarmFired(): void {
    this.alarmAt = null;
  }
}
