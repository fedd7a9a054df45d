// D1 is the inbox index: the ticket's object owes it every change, coalesced (a burst of
// messages is one record) and guarded by version, so a late write never overwrites a newer one.
// The inbox object writes it, in one D1 batch with other tickets' changes, and tells the agents.
// A failed write stays owed and is retried with backoff.
//
// The same write carries the messages the search index lacks (after `sync.indexedSeq`), at most
// MAX_INDEXED_PER_SYNC of them; the rest go with the next write. Messages never wait for the
// index: it is fed here, never on the message's own path.
import type { IndexedMessage } from "../../worker/lib/search";
import type { ReportFacts } from "../../worker/lib/tickets";
import { inboxStub } from "../../worker/lib/stubs";
import { MIN_SYNC_INTERVAL_MS, type ConversationCore } from "./core";
import { ReportFactsOfLog } from "./report-facts";
import { ticketRecord, type MessageRow } from "./state";

const MAX_BACKOFF_MS = 60_000;
/** Messages one write hands to the search index (a conversation from before search catches up over several). */
export const MAX_INDEXED_PER_SYNC = 200;

export class D1Sync {
  private readonly facts: ReportFactsOfLog;

  constructor(private readonly core: ConversationCore) {
    this.facts = new ReportFactsOfLog(core);
    // Messages left for the index are owed even when the ticket itself is up to date (also after a wake-up).
    core.wantsAlarm(() => (core.syncDueAt === null ? this.indexOwedAt() : null));
  }

  /** The alarm: hands the newest version to the inbox if it is due. */
  async runIfDue(): Promise<void> {
    const core = this.core;
    core.syncDueAt ??= this.indexOwedAt();
    if (core.syncDueAt === null || core.syncDueAt > Date.now()) return;
    const state = core.state!;
    const record = { ...ticketRecord(state, core.log), facts: this.reportFacts() };
    const messages = this.unindexed();
    try {
      const outcome = await inboxStub(core.env).ticketChanged(record, messages);
      if (!outcome.written) throw new Error(`the inbox could not write it: ${outcome.error}`);
      state.sync = {
        version: Math.max(state.sync.version, record.version),
        attempts: 0,
        at: Date.now(),
        indexedSeq: Math.max(state.sync.indexedSeq ?? 0, messages.at(-1)?.seq ?? 0),
      };
      // Changes made during the write, and messages beyond this write's share, get a write of their own.
      const owed = core.version() > state.sync.version || this.indexOwed();
      core.syncDueAt = owed ? Math.max(Date.now(), state.sync.at + MIN_SYNC_INTERVAL_MS) : null;
    } catch (error) {
      state.sync.attempts += 1;
      core.syncDueAt = Date.now() + Math.min(MAX_BACKOFF_MS, 500 * 2 ** state.sync.attempts);
      console.warn(`ticket ${state.id}: D1 write of version ${record.version} failed (attempt ${state.sync.attempts}); retrying`, error);
    }
    core.saveQuietly();
  }

  /** What reports read of this ticket: from its log, or as they stood when the customer was erased. */
  reportFacts(): ReportFacts {
    return this.core.state!.erasure?.facts ?? this.facts.current();
  }

  /** Whether D1 holds the ticket as it stands. */
  get current(): boolean {
    return this.core.state!.sync.version >= this.core.version();
  }

  private indexOwed(): boolean {
    const state = this.core.state;
    return state !== null && this.core.log.lastSeq > (state.sync.indexedSeq ?? 0);
  }

  /** When the index's share is due if nothing else is owed: as soon as writes may follow each other. */
  private indexOwedAt(): number | null {
    return this.indexOwed() ? this.core.state!.sync.at + MIN_SYNC_INTERVAL_MS : null;
  }

  /** The oldest messages the search index lacks, at most MAX_INDEXED_PER_SYNC. */
  private unindexed(): IndexedMessage[] {
    return this.core.sql
      .exec<Pick<MessageRow, "seq" | "author_kind" | "body" | "created_at">>(
        "SELECT seq, author_kind, body, created_at FROM messages WHERE seq > ? ORDER BY seq LIMIT ?",
        this.core.state!.sync.indexedSeq ?? 0,
        MAX_INDEXED_PER_SYNC,
      )
      .toArray()
      .map((row) => ({ seq: row.seq, authorKind: row.author_kind, body: row.body, createdAt: row.created_at }));
  }
}
