// A ticket's durable outbox: what the conversation owes the outside world (an SMS to Twilio, an
// email to the team or the shopper, a webhook to each endpoint), kept in the object's own SQLite storage so that
// nothing owed is lost to an eviction or an outage. Jobs run in lanes: only the oldest job of a
// lane runs, so an SMS never overtakes the one before it and an endpoint receives a ticket's
// events in order, while one slow endpoint never holds up another lane.
//
// A job is written in the same step as the change that owes it. When nothing is owed, the outbox
// costs nothing: its next due time is kept in memory, and the table is read only when a job is
// started or the alarm fires.
import type { WebhookEventTypeT } from "../../contract";
import type { ConversationCore } from "./core";

export type EmailKind = "new_ticket" | "customer_reply";

export type JobPayload =
  | { kind: "sms"; seq: number }
  /** `claimed`: a new-ticket email that holds the customer's turn (see claimNewTicketEmail). */
  | { kind: "email"; email: EmailKind; sent: string[]; claimed?: boolean }
  /** An event waiting to be copied to the endpoints subscribed to it. */
  | { kind: "fanout"; event: WebhookEventTypeT; body: string }
  | { kind: "webhook"; deliveryId: string; webhookId: string; event: WebhookEventTypeT; body: string }
  /** An SMS ticket closed: its customer is asked for a rating, if CSAT is on. */
  | { kind: "csat" }
  /** An agent replied in a web chat: the shopper gets what they have not seen by email, after the delay. */
  | { kind: "continuity" };

export type JobKind = JobPayload["kind"];

export type Job<K extends JobKind = JobKind> = {
  id: number;
  lane: string;
  payload: Extract<JobPayload, { kind: K }>;
  /** Attempts made so far. */
  attempts: number;
  createdAt: number;
};

/** Done (or given up, with its failure recorded), or tried again at `retryAt`, with the payload as it stands then. */
export type JobOutcome<K extends JobKind = JobKind> = "done" | { retryAt: number; payload?: Extract<JobPayload, { kind: K }> };

/** One runner per kind of job. */
export type Runners = { [K in JobKind]: (job: Job<K>) => Promise<JobOutcome<K>> };

type JobRow = { id: number; lane: string; kind: JobKind; payload: string; attempts: number; next_at: number; created_at: number };

/** Longer than any outside request may take (the clients time out sooner). */
const LEASE_MS = 60_000;
/** The longest wait between two attempts, by kind. */
const MAX_BACKOFF_MS: Record<JobKind, number> = {
  sms: 5 * 60_000,
  email: 10 * 60_000,
  fanout: 60_000,
  webhook: 60 * 60_000,
  csat: 5 * 60_000,
  continuity: 10 * 60_000,
};

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lane TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS outbox_lane_idx ON outbox (lane, id);`;

/** The head of each lane: the only job of it that may run. */
const HEADS = "SELECT * FROM outbox WHERE id IN (SELECT min(id) FROM outbox GROUP BY lane)";

function toJob(row: JobRow): Job {
  const stored = JSON.parse(row.payload) as Record<string, unknown>;
  // Email jobs stored before the typed outbox named their email `kind`.
  const payload = row.kind === "email" && typeof stored.kind === "string" && stored.kind !== "email" ? { ...stored, email: stored.kind } : stored;
  return { id: row.id, lane: row.lane, payload: { ...payload, kind: row.kind } as JobPayload, attempts: row.attempts, createdAt: row.created_at };
}

export class Outbox {
  private runners: Runners | undefined;
  private readonly runningLanes = new Set<string>();
  /**
   * The earliest time a job may be due: exact after the alarm read the table, never later than
   * the truth in between (a job done early leaves it early: the alarm then finds nothing), and
   * undefined until the table is read after a wake-up (the stored alarm covers what it holds).
   */
  private nextDueAt: number | null | undefined;
  /** Jobs per lane, read once when first needed after a wake-up. */
  private lanes: Map<string, number> | undefined;

  constructor(private readonly core: ConversationCore) {
    core.sql.exec(SCHEMA);
    core.wantsAlarm(() => this.nextDueAt ?? null);
  }

  serve(runners: Runners): void {
    this.runners = runners;
  }

  private get sql(): SqlStorage {
    return this.core.sql;
  }

  private laneCounts(): Map<string, number> {
    this.lanes ??= new Map(
      this.sql
        .exec<{ lane: string; n: number }>("SELECT lane, count(*) AS n FROM outbox GROUP BY lane")
        .toArray()
        .map((row) => [row.lane, row.n]),
    );
    return this.lanes;
  }

  private earliest(at: number): void {
    if (this.nextDueAt !== undefined) this.nextDueAt = this.nextDueAt === null ? at : Math.min(this.nextDueAt, at);
  }

  /** Owes a job; a job due now starts once the step that owes it is stored. */
  add(lane: string, payload: JobPayload, at = Date.now()): void {
    const { kind, ...rest } = payload;
    this.sql.exec("INSERT INTO outbox (lane, kind, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?)", lane, kind, JSON.stringify(rest), at, Date.now());
    const counts = this.laneCounts();
    counts.set(lane, (counts.get(lane) ?? 0) + 1);
    this.earliest(at);
    if (at <= Date.now()) queueMicrotask(() => this.core.ctx.waitUntil(this.startLane(lane)));
  }

  /** Drops every job owed (the customer was erased: nothing of them may still go out). */
  clear(): void {
    this.sql.exec("DELETE FROM outbox");
    this.lanes = new Map();
    this.nextDueAt = null;
  }

  /** Whether the lane owes anything besides the job `except` (the one finishing). */
  has<K extends JobKind>(lane: string, except?: Job<K>): boolean {
    return (this.laneCounts().get(lane) ?? 0) > (except?.lane === lane ? 1 : 0);
  }

  /** The alarm: every lane whose head is due starts; then the next due time is read exactly. */
  async drain(): Promise<void> {
    // Nothing due as far as memory knows: the table is not read.
    if (this.nextDueAt === null || (this.nextDueAt !== undefined && this.nextDueAt > Date.now())) return;
    const due = this.sql.exec<JobRow>(`${HEADS} AND next_at <= ? ORDER BY id`, Date.now()).toArray().map(toJob);
    await Promise.all(due.filter((job) => !this.runningLanes.has(job.lane)).map((job) => this.runLane(job)));
    this.nextDueAt = this.sql.exec<{ at: number | null }>(`SELECT min(next_at) AS at FROM (${HEADS})`).one().at;
  }

  private async startLane(lane: string): Promise<void> {
    if (this.runningLanes.has(lane)) return;
    const head = this.dueHead(lane);
    if (head) await this.runLane(head);
  }

  private dueHead(lane: string): Job | null {
    const row = this.sql.exec<JobRow>("SELECT * FROM outbox WHERE lane = ? ORDER BY id LIMIT 1", lane).toArray()[0];
    return row && row.next_at <= Date.now() ? toJob(row) : null;
  }

  /** Runs a lane's jobs one after another while they are due. */
  private async runLane(first: Job): Promise<void> {
    this.runningLanes.add(first.lane);
    try {
      for (let job: Job | null = first; job; job = this.dueHead(first.lane)) {
        // A lease, and the alarm armed for it first: an attempt lost to an eviction is made again.
        const leaseUntil = Date.now() + LEASE_MS;
        this.sql.exec("UPDATE outbox SET next_at = ? WHERE id = ?", leaseUntil, job.id);
        this.earliest(leaseUntil);
        await this.core.schedule();
        this.finish(job, await this.attempt(job));
      }
    } finally {
      this.runningLanes.delete(first.lane);
      await this.core.schedule();
    }
  }

  private async attempt(job: Job): Promise<JobOutcome> {
    try {
      return await this.run(job);
    } catch (error) {
      // A failure of our own (D1 unreachable, say) is worth another try too.
      console.warn(`ticket ${this.core.state?.id}: outbox ${job.payload.kind} job failed`, error);
      return { retryAt: this.retryAt(job) };
    }
  }

  /** The kind's runner: the switch is exhaustive, so a new kind of job can't go unhandled. */
  private run(job: Job): Promise<JobOutcome> {
    const runners = this.runners!;
    const { payload } = job;
    switch (payload.kind) {
      case "sms":
        return runners.sms({ ...job, payload });
      case "email":
        return runners.email({ ...job, payload });
      case "fanout":
        return runners.fanout({ ...job, payload });
      case "webhook":
        return runners.webhook({ ...job, payload });
      case "csat":
        return runners.csat({ ...job, payload });
      case "continuity":
        return runners.continuity({ ...job, payload });
      default:
        return payload satisfies never;
    }
  }

  private finish(job: Job, outcome: JobOutcome): void {
    if (outcome === "done") {
      this.sql.exec("DELETE FROM outbox WHERE id = ?", job.id);
      const counts = this.laneCounts();
      const left = (counts.get(job.lane) ?? 1) - 1;
      if (left > 0) counts.set(job.lane, left);
      else counts.delete(job.lane);
      return;
    }
    const { kind: _, ...payload } = outcome.payload ?? job.payload;
    this.sql.exec("UPDATE outbox SET attempts = attempts + 1, next_at = ?, payload = ? WHERE id = ?", outcome.retryAt, JSON.stringify(payload), job.id);
    this.earliest(outcome.retryAt);
  }

  /**
   * When a job's next attempt is due: the wait doubles from OUTBOX_RETRY_BASE_MS up to the kind's
   * cap, or is what the service asked for (Retry-After), within the same cap.
   */
  retryAt<K extends JobKind>(job: Job<K>, retryAfterMs?: number): number {
    const cap = MAX_BACKOFF_MS[job.payload.kind];
    const wait = Number(this.core.env.OUTBOX_RETRY_BASE_MS ?? 5_000) * 2 ** job.attempts;
    return Date.now() + Math.max(Math.min(cap, wait), Math.min(retryAfterMs ?? 0, cap));
  }
}
