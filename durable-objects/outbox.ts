// A ticket's durable outbox: what the conversation owes the outside world (an SMS to Twilio, an
// email to the team, a webhook to each endpoint), kept in the object's own SQLite storage so
// that nothing owed is lost to an eviction or an outage. Jobs run in lanes: only the oldest job
// of a lane runs, so an SMS never overtakes the one before it and an endpoint receives a
// ticket's events in order, while one slow endpoint never holds up another lane.

export type JobKind = "sms" | "email" | "fanout" | "webhook";

export type Job = {
  id: number;
  lane: string;
  kind: JobKind;
  payload: unknown;
  /** Attempts made so far. */
  attempts: number;
  nextAt: number;
  createdAt: number;
};

type JobRow = { id: number; lane: string; kind: JobKind; payload: string; attempts: number; next_at: number; created_at: number };

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

const toJob = (row: JobRow): Job => ({ id: row.id, lane: row.lane, kind: row.kind, payload: JSON.parse(row.payload), attempts: row.attempts, nextAt: row.next_at, createdAt: row.created_at });

export class Outbox {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  add(lane: string, kind: JobKind, payload: unknown, at = Date.now()): void {
    this.sql.exec("INSERT INTO outbox (lane, kind, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?)", lane, kind, JSON.stringify(payload), at, Date.now());
  }

  /** Whether the lane owes anything besides the job `except`. */
  has(lane: string, except = -1): boolean {
    return this.sql.exec("SELECT 1 FROM outbox WHERE lane = ? AND id <> ? LIMIT 1", lane, except).toArray().length > 0;
  }

  /** The lane heads due now, oldest first. */
  due(now: number): Job[] {
    return this.sql.exec<JobRow>(`${HEADS} AND next_at <= ? ORDER BY id`, now).toArray().map(toJob);
  }

  /** The lane's head, when it is due. */
  dueHead(lane: string, now: number): Job | null {
    const row = this.sql.exec<JobRow>("SELECT * FROM outbox WHERE lane = ? ORDER BY id LIMIT 1", lane).toArray()[0];
    return row && row.next_at <= now ? toJob(row) : null;
  }

  /** When the next lane head is due, or null when nothing is owed. */
  nextAt(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT min(next_at) AS at FROM (${HEADS})`).one().at;
  }

  /**
   * Claims a job until `until`: no second attempt starts while this one runs, and one lost to
   * an eviction is taken up again when the claim runs out.
   */
  lease(job: Job, until: number): void {
    this.sql.exec("UPDATE outbox SET next_at = ? WHERE id = ?", until, job.id);
  }

  /** One more failed attempt; the next is due at `at`, with the payload as it stands now. */
  retry(job: Job, at: number, payload: unknown = job.payload): void {
    this.sql.exec("UPDATE outbox SET attempts = attempts + 1, next_at = ?, payload = ? WHERE id = ?", at, JSON.stringify(payload), job.id);
  }

  remove(job: Job): void {
    this.sql.exec("DELETE FROM outbox WHERE id = ?", job.id);
  }
}
