// D1 is the inbox index: the ticket's object owes it every change, coalesced (a burst of
// messages is one record) and guarded by version, so a late write never overwrites a newer one.
// The inbox object writes it, in one D1 batch with other tickets' changes, and tells the agents.
// A failed write stays owed and is retried with backoff.
import { inboxStub } from "../../worker/lib/stubs";
import { MIN_SYNC_INTERVAL_MS, type ConversationCore } from "./core";
import { ticketRecord } from "./state";

const MAX_BACKOFF_MS = 60_000;

export class D1Sync {
  constructor(private readonly core: ConversationCore) {}

  /** The alarm: hands the newest version to the inbox if it is due. */
  async runIfDue(): Promise<void> {
    const core = this.core;
    if (core.syncDueAt === null || core.syncDueAt > Date.now()) return;
    const state = core.state!;
    const record = ticketRecord(state, core.log);
    try {
      const outcome = await inboxStub(core.env).ticketChanged(record);
      if (!outcome.written) throw new Error(`the inbox could not write it: ${outcome.error}`);
      state.sync = { version: Math.max(state.sync.version, record.version), attempts: 0, at: Date.now() };
      // Changes made during the write get a write of their own.
      core.syncDueAt = core.version() > state.sync.version ? Math.max(Date.now(), state.sync.at + MIN_SYNC_INTERVAL_MS) : null;
    } catch (error) {
      state.sync.attempts += 1;
      core.syncDueAt = Date.now() + Math.min(MAX_BACKOFF_MS, 500 * 2 ** state.sync.attempts);
      console.warn(`ticket ${state.id}: D1 write of version ${record.version} failed (attempt ${state.sync.attempts}); retrying`, error);
    }
    core.saveQuietly();
  }
}
