// The message log: every message of the conversation, in the one order every participant sees.
// Appending gives a message the next `seq`, stores it as one row and broadcasts it.
import type { AiNoteT, AttachmentT, AuthorT, DeliveryT, MessageT, SideT } from "../../contract";
import { newId, nowIso } from "../../worker/lib/ids";
import type { ConversationCore } from "./core";
import { messageFromRow, type MessageRow } from "./state";

export type AppendOptions = { attachments?: AttachmentT[]; clientId?: string | null; ai?: AiNoteT };

/** Where what the team says goes besides the thread: an SMS ticket texts it. */
export type TeamMessageOut = {
  /** The delivery a team message starts with, when it goes out. */
  delivery(author: AuthorT, body: string): DeliveryT | undefined;
  /** The stored message is owed to the outside world. */
  owe(message: MessageT): void;
};

const rowsOf = (cursor: SqlStorageCursor<MessageRow>) => cursor.toArray().map(messageFromRow);

export class MessageLog {
  out: TeamMessageOut | undefined;

  constructor(private readonly core: ConversationCore) {}

  private get sql(): SqlStorage {
    return this.core.sql;
  }

  /** The stored message a sender's clientId already names, if any. */
  byClientId(clientId: string): MessageRow | undefined {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE client_id = ?", clientId).toArray()[0];
  }

  /**
   * Appends a message and broadcasts it. It runs without an await, so no other event can come
   * between reading the last `seq` and storing the next one: `seq` is gap-free and the same for
   * everyone. The frame leaves through the output gate, after the row is durable.
   */
  append(author: AuthorT, body: string, options: AppendOptions = {}): MessageT {
    return this.appendOnce(author, body, options)!;
  }

  /**
   * Appends a message unless its clientId is already stored (then null, and nothing changed):
   * one statement decides both, so a message costs one row written and nothing more.
   */
  appendOnce(author: AuthorT, body: string, { attachments = [], clientId = null, ai }: AppendOptions = {}): MessageT | null {
    // An answer that was on its way (the AI's, say) when the customer was erased never lands.
    if (this.core.state?.erasure) throw new Error("The customer of this conversation was erased.");
    const delivery = this.out?.delivery(author, body);
    const message: MessageT = {
      seq: this.core.log.lastSeq + 1,
      id: newId("msg"),
      clientId,
      author,
      body,
      attachments,
      createdAt: nowIso(),
      ...(ai ? { ai } : {}),
      ...(delivery ? { delivery } : {}),
    };
    const inserted = this.sql.exec(
      "INSERT INTO messages (seq, id, client_id, author_kind, author_id, author_name, body, attachments, created_at, ai, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING",
      message.seq,
      message.id,
      clientId,
      author.kind,
      author.id,
      author.name,
      body,
      attachments.length ? JSON.stringify(attachments) : "[]",
      message.createdAt,
      ai ? JSON.stringify(ai) : null,
      delivery ? JSON.stringify(delivery) : null,
    );
    if (inserted.rowsWritten === 0) return null;
    this.core.noteMessage({ seq: message.seq, author_kind: author.kind, body, created_at: message.createdAt });
    if (delivery) this.out!.owe(message);
    this.core.broadcast({ type: "message", ...message });
    return message;
  }

  messageAt(seq: number): MessageT | null {
    return rowsOf(this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq))[0] ?? null;
  }

  /** Messages before `before` (all when null), the newest `limit` of them, oldest first. */
  history(before: number | null, limit: number): MessageT[] {
    return rowsOf(
      this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?", before ?? Number.MAX_SAFE_INTEGER, limit),
    ).reverse();
  }

  /** Every message after `seq`, oldest first: what a (re)connecting socket has not seen. */
  after(seq: number): Iterable<MessageT> {
    const cursor = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq > ? ORDER BY seq", seq);
    return (function* () {
      for (const row of cursor) yield messageFromRow(row);
    })();
  }

  /** One side's messages after `seq`, the newest `limit` of them, oldest first. */
  messagesAfter(side: SideT, seq: number, limit: number): MessageT[] {
    return rowsOf(this.sql.exec<MessageRow>("SELECT * FROM messages WHERE author_kind = ? AND seq > ? ORDER BY seq DESC LIMIT ?", side, seq, limit)).reverse();
  }

  /**
   * The conversation as the AI reads it: the customer messages in (answeredSeq, upTo], which it
   * answers now, and before them the recent thread (its own answers included) without the
   * team's system notes.
   */
  thread(answeredSeq: number, upTo: number, { history, unanswered }: { history: number; unanswered: number }): { history: MessageT[]; unanswered: MessageT[] } {
    return {
      unanswered: rowsOf(
        this.sql.exec<MessageRow>(
          "SELECT * FROM messages WHERE seq > ? AND seq <= ? AND author_kind = 'customer' ORDER BY seq LIMIT ?",
          answeredSeq,
          upTo,
          unanswered,
        ),
      ),
      history: rowsOf(
        this.sql.exec<MessageRow>(
          "SELECT * FROM messages WHERE seq <= ? AND author_kind <> 'system' AND NOT (author_kind = 'customer' AND seq > ?) ORDER BY seq DESC LIMIT ?",
          upTo,
          answeredSeq,
          history,
        ),
      ).reverse(),
    };
  }

  /** A message's SMS delivery, as the outbox and Twilio's callbacks move it on; every participant hears. */
  setDelivery(seq: number, delivery: Omit<DeliveryT, "updatedAt">): void {
    const updated: DeliveryT = { ...delivery, updatedAt: nowIso() };
    this.sql.exec("UPDATE messages SET delivery = ? WHERE seq = ?", JSON.stringify(updated), seq);
    this.core.broadcast({ type: "delivery", seq, delivery: updated });
  }
}
