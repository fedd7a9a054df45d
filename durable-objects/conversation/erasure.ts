// Erasing the customer (spec v2 "Customer data rights", docs/data-rights.md). The object first
// records what it owes, in one transaction with the deletion of everything it holds of them: the
// messages, the outbox's jobs (texts, emails and webhooks that carry their words), the names in
// its state. What is left is owed to others and finished like the D1 sync, by the alarm until
// done: D1's row becomes a bare report count (the same write deletes the notes, the search
// documents and the email and handoff logs), and the images go from R2.
import { nowIso } from "../../worker/lib/ids";
import { deleteImages } from "../../worker/lib/uploads";
import { answerClose } from "../sockets";
import type { ConversationCore } from "./core";
import type { D1Sync } from "./d1-sync";
import type { Outbox } from "./outbox";
import type { AttachmentT } from "../../contract";

const MAX_BACKOFF_MS = 60_000;
/** The close code of sockets on an erased conversation (4000–4999 are the application's). */
const ERASED_CLOSE_CODE = 4404;

/** Where an erasure stands: done, still owed (the alarm finishes it), or a ticket this object never held. */
export type ErasureOutcome = "erased" | "owed" | "unknown";

export class Erasure {
  /** When the images may be tried again after a failed delete (memory only: after a wake-up, at once). */
  private uploadsRetryAt = 0;
  private uploadFailures = 0;

  constructor(
    private readonly core: ConversationCore,
    private readonly outbox: Outbox,
    private readonly sync: D1Sync,
  ) {
    core.wantsAlarm(() => (this.core.state?.erasure?.uploads.length ? this.uploadsRetryAt : null));
  }

  /** Whether the customer of this ticket was erased: then nothing of them is served, and nothing new is taken. */
  get erased(): boolean {
    return this.core.state?.erasure != null;
  }

  /** Erases the customer from this ticket (again, harmlessly), and finishes what is owed while the caller waits. */
  async erase(): Promise<ErasureOutcome> {
    const state = this.core.state;
    if (!state) return "unknown";
    if (!state.erasure) this.forget();
    await this.sync.runIfDue();
    await this.deleteUploads();
    return this.sync.current && state.erasure!.uploads.length === 0 ? "erased" : "owed";
  }

  /** The alarm: the images not yet deleted. */
  async finish(): Promise<void> {
    if (this.core.state?.erasure?.uploads.length && this.uploadsRetryAt <= Date.now()) await this.deleteUploads();
  }

  private forget(): void {
    const core = this.core;
    const state = core.state!;
    const facts = this.sync.reportFacts();
    const uploads = this.attachmentKeys();
    const dropped = core.log.lastSeq;
    core.write(() => {
      core.sql.exec("DELETE FROM messages");
      core.sql.exec("DELETE FROM replaced_sms");
      this.outbox.clear();
      state.erasure = { at: nowIso(), facts, uploads };
      state.customerName = null;
      state.smsTo = null;
      state.labels = [];
      state.visible = false;
      state.status = "closed";
      state.closedAt ??= state.erasure.at;
      state.snoozeUntil = null;
      state.rating = state.rating && { ...state.rating, comment: null };
      state.ai = { ...state.ai, handoff: null, offer: null, owedSince: null };
      // The ticket's version adds the log's last seq, which starts over: it must still grow.
      state.version += dropped + 1;
      core.saveQuietly();
    });
    core.forgetLog();
    // Whoever still has it open sees it end; their next connection is refused (404).
    core.broadcast({ type: "status", status: "closed", assigneeId: null });
    for (const ws of core.ctx.getWebSockets()) answerClose(ws, ERASED_CLOSE_CODE, "erased");
  }

  /** Every image key the log's messages carry. */
  private attachmentKeys(): string[] {
    const rows = this.core.sql.exec<{ attachments: string }>("SELECT attachments FROM messages WHERE attachments <> '[]'");
    return [...new Set(rows.toArray().flatMap((row) => (JSON.parse(row.attachments) as AttachmentT[]).map((attachment) => attachment.key)))];
  }

  private async deleteUploads(): Promise<void> {
    const state = this.core.state!;
    const erasure = state.erasure!;
    try {
      if (erasure.uploads.length > 0) {
        await deleteImages(this.core.env.UPLOADS, erasure.uploads);
        erasure.uploads = [];
        this.core.saveQuietly();
      }
      this.uploadFailures = 0;
    } catch (error) {
      this.uploadFailures += 1;
      this.uploadsRetryAt = Date.now() + Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.uploadFailures);
      console.warn(`ticket ${state.id}: deleting the erased customer's images failed; retrying`, error);
    }
  }
}
