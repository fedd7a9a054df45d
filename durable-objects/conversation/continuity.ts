// Email continuity (spec v2 "Email continuity", docs/email.md): a shopper who has not seen an
// agent's reply in the chat within the delay gets the unseen replies by email, at most one email
// per ticket per delay. The job is owed when an agent replies, and decides when it runs: whatever
// the shopper has read by then is not sent. Who the shopper is and what the email says are the
// sender's (worker/lib/email/continuity-send.ts).
import { db } from "../../worker/db/client";
import { sendContinuityEmail } from "../../worker/lib/email/continuity-send";
import { DEFAULT_SETTINGS, recentSettings, settingsNow } from "../../worker/lib/settings";
import type { ConversationCore } from "./core";
import type { MessageLog } from "./message-log";
import type { Job, JobOutcome, Outbox } from "./outbox";

const LANE = "email:continuity";
const MAX_ATTEMPTS = 8;
/** The newest unseen replies an email carries. */
const MAX_REPLIES = 10;

const delayMs = (minutes: number) => minutes * 60_000;

export class ContinuityEmails {
  constructor(
    private readonly core: ConversationCore,
    private readonly outbox: Outbox,
    private readonly log: MessageLog,
  ) {}

  /**
   * An agent replied in a web chat: an email is owed once the delay has passed, unless one is
   * owed already (it will carry this reply too). The delay as recently read; the job checks it again.
   */
  agentReplied(finishing?: Job<"continuity">): void {
    const state = this.core.state!;
    if (state.channel !== "webchat" || this.outbox.has(LANE, finishing)) return;
    const settings = (settingsNow(this.core.env) ?? DEFAULT_SETTINGS).emailContinuity;
    if (!settings.enabled) return;
    this.outbox.add(LANE, { kind: "continuity" }, this.dueAt(Date.now(), settings.delayMinutes));
  }

  /** After the delay from the reply, and no sooner than the delay after the last email. */
  private dueAt(repliedAt: number, delayMinutes: number): number {
    return Math.max(repliedAt, this.core.state!.continuity.lastEmailAt ?? 0) + delayMs(delayMinutes);
  }

  /** The outbox's runner: one attempt at the email. */
  async send(job: Job<"continuity">): Promise<JobOutcome<"continuity">> {
    const state = this.core.state!;
    const settings = await recentSettings(this.core.env);
    if (!settings.emailContinuity.enabled) return "done";
    // A longer delay set since the reply was owed: it is waited out.
    const due = this.dueAt(job.createdAt, settings.emailContinuity.delayMinutes);
    if (due > Date.now()) return { retryAt: due };
    const replies = this.log.messagesAfter("agent", Math.max(state.reads.customer, state.continuity.emailedSeq), MAX_REPLIES);
    if (replies.length === 0) return "done";
    const { sent, error } = await sendContinuityEmail(this.core.env, db(this.core.env.DB), {
      ticketId: state.id,
      profileId: state.profileId,
      replies,
      locale: state.locale,
      origin: state.origin ?? "",
      settings,
    });
    if (error?.retryable && job.attempts + 1 < MAX_ATTEMPTS) return { retryAt: this.outbox.retryAt(job, error.retryAfterMs) };
    if (error) console.warn(`ticket ${state.id}: the email of unseen replies failed: ${error.message}`);
    // Sent or not sendable (no address, unsubscribed, refused): these replies are dealt with.
    state.continuity.emailedSeq = replies.at(-1)!.seq;
    if (sent) state.continuity.lastEmailAt = Date.now();
    this.core.saveQuietly();
    if (this.log.messagesAfter("agent", state.continuity.emailedSeq, 1).length > 0) this.agentReplied(job);
    return "done";
  }
}
