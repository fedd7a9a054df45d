// D1's tickets table (the inbox index) is written here for every ticket: the changes that arrive
// while one write is on its way go together in the next, as one D1 batch. A D1 call has a cost of
// its own, whatever it does (locally about a millisecond of CPU; in production a round trip), and
// D1 is one database for all tickets: forty tickets that change together make one call, not forty.
import type { Db } from "../../worker/db/client";
import { writeTicketRecord, writeTicketRecords, type TicketRecord } from "../../worker/lib/tickets";

/** Records per D1 batch. */
const BATCH_SIZE = 50;
/**
 * How long the first change waits for others to join its write. Ticket objects already hold
 * their changes back for a while to coalesce them (core.ts), so D1 hardly notices this.
 */
const GATHER_MS = 20;

type Caller = { resolve: () => void; reject: (error: unknown) => void };
type Owed = { record: TicketRecord; callers: Caller[] };

export class IndexWriter {
  private owed = new Map<string, Owed>();
  private writing: Promise<void> | null = null;

  /** `written` hears of every record D1 now holds, in the order they were written. */
  constructor(
    private readonly database: () => Db,
    private readonly written: (records: TicketRecord[]) => void,
  ) {}

  /** Resolves once D1 holds this version of the ticket or a newer one; rejects when D1 refused it. */
  write(record: TicketRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      const owed = this.owed.get(record.id);
      if (!owed) this.owed.set(record.id, { record, callers: [{ resolve, reject }] });
      else {
        if (record.version > owed.record.version) owed.record = record;
        owed.callers.push({ resolve, reject });
      }
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
    try {
      while (this.owed.size > 0) {
        const batch = [...this.owed.values()].slice(0, BATCH_SIZE);
        for (const { record } of batch) this.owed.delete(record.id);
        await this.writeBatch(batch);
      }
    } finally {
      this.writing = null;
    }
  }

  private async writeBatch(batch: Owed[]): Promise<void> {
    const records = batch.map((owed) => owed.record) as [TicketRecord, ...TicketRecord[]];
    let refused = new Map<Owed, unknown>();
    try {
      await writeTicketRecords(this.database(), records);
    } catch (error) {
      // One record D1 refuses must not hold up the others: each is tried on its own.
      refused = batch.length === 1 ? new Map([[batch[0]!, error]]) : await this.writeOneByOne(batch);
    }
    const landed = batch.filter((owed) => !refused.has(owed));
    try {
      if (landed.length > 0) this.written(landed.map((owed) => owed.record));
    } catch (error) {
      // Not heard of, not done: the callers write again, which D1 takes as a no-op.
      for (const owed of landed) refused.set(owed, error);
    }
    for (const owed of batch) {
      const error = refused.get(owed);
      for (const caller of owed.callers) {
        if (refused.has(owed)) caller.reject(error);
        else caller.resolve();
      }
    }
  }

  /** The records D1 refused, each with its error. */
  private async writeOneByOne(batch: Owed[]): Promise<Map<Owed, unknown>> {
    const refused = new Map<Owed, unknown>();
    for (const owed of batch) {
      try {
        await writeTicketRecord(this.database(), owed.record);
      } catch (error) {
        refused.set(owed, error);
      }
    }
    return refused;
  }
}
