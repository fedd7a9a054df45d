// D1's tickets table (the inbox index) is written here for every ticket: the changes that arrive
// while one write is on its way go together in the next, as one D1 batch, with the messages they
// carry for the search index. A D1 call has a cost of its own, whatever it does (locally about a
// millisecond of CPU; in production a round trip), and D1 is one database for all tickets: forty
// tickets that change together make one call, not forty.
import type { Db } from "../../worker/db/client";
import { indexMessages, type IndexedMessage } from "../../worker/lib/search";
import { writeTicketRecords, type TicketRecord } from "../../worker/lib/tickets";

/** Records per D1 batch. */
const BATCH_SIZE = 50;
/**
 * How long the first change waits for others to join its write. Ticket objects already hold
 * their changes back for a while to coalesce them (core.ts), so D1 hardly notices this.
 */
const GATHER_MS = 20;

type Caller = { resolve: () => void; reject: (error: unknown) => void };
/** A ticket's newest record, and every message owed to the search index by its callers, by seq. */
type Owed = { record: TicketRecord; messages: Map<number, IndexedMessage>; callers: Caller[] };

export class IndexWriter {
  private owed = new Map<string, Owed>();
  private writing: Promise<void> | null = null;

  /** `written` hears of every record D1 now holds, in the order they were written. */
  constructor(
    private readonly database: () => Db,
    private readonly written: (records: TicketRecord[]) => void,
  ) {}

  /**
   * Resolves once D1 holds this version of the ticket or a newer one, and these messages in the
   * search index; rejects when D1 refused it.
   */
  write(record: TicketRecord, messages: IndexedMessage[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      let owed = this.owed.get(record.id);
      if (!owed) this.owed.set(record.id, (owed = { record, messages: new Map(), callers: [] }));
      else if (record.version > owed.record.version) owed.record = record;
      for (const message of messages) owed.messages.set(message.seq, message);
      owed.callers.push({ resolve, reject });
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
      await writeTicketRecords(this.database(), records, this.messageInserts(batch));
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

  /**
   * The inserts of the batch's messages into the search index, which land in the same transaction
   * as the records: a ticket written without them would be reported written, and its object would
   * not send them again. (Each is idempotent besides: a repeated write inserts nothing twice.)
   */
  private messageInserts(batch: Owed[]) {
    const owed = batch.filter((one) => one.messages.size > 0).map((one) => ({ ticketId: one.record.id, messages: [...one.messages.values()] }));
    return indexMessages(this.database(), owed);
  }

  /** The records D1 refused, each with its error. */
  private async writeOneByOne(batch: Owed[]): Promise<Map<Owed, unknown>> {
    const refused = new Map<Owed, unknown>();
    for (const owed of batch) {
      try {
        await writeTicketRecords(this.database(), [owed.record], this.messageInserts([owed]));
      } catch (error) {
        refused.set(owed, error);
      }
    }
    return refused;
  }
}
