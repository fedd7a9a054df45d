// A handoff to an outside help desk (Zendesk, Gorgias): a job kept in the AI's state, tried
// until the desk takes the transcript (the Parley ticket then closes) or refuses it for good
// (the conversation then comes to the inbox instead), retried from the alarm with backoff.
import { db } from "../../worker/db/client";
import { createExternalTicket, deskName } from "../../worker/lib/handoff/deliver";
import { recordHandoff } from "../../worker/lib/handoff/log";
import { DeliveryError } from "../../worker/lib/outbound";
import { recentSettings } from "../../worker/lib/settings";
import type { ClosedHours } from "./closed-hours";
import type { ConversationCore } from "./core";
import type { MessageLog } from "./message-log";
import type { HandoffJob } from "./rpc";
import { closeConversation } from "./state";

/** A help desk's Retry-After is respected up to this: the customer is waiting. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Attempts before the conversation goes to the inbox instead. */
const MAX_ATTEMPTS = 8;
/** Longer than a help desk request may take (the clients time out sooner). */
const LEASE_MS = 60_000;
/** What goes into the outside ticket's transcript. */
const TRANSCRIPT_MESSAGES = 1_000;

export class HelpDeskHandoff {
  constructor(
    private readonly core: ConversationCore,
    private readonly log: MessageLog,
    private readonly closedHours: ClosedHours,
  ) {
    core.wantsAlarm(() => {
      const job = core.state?.ai.handoff;
      return job?.status === "pending" ? job.nextAt : null;
    });
  }

  /** One attempt, when one is due; on failure the next is scheduled, or the inbox takes over. */
  async deliver(): Promise<void> {
    const state = this.core.state;
    const due = state?.ai.handoff;
    if (!state || due?.status !== "pending" || due.nextAt === null || due.nextAt > Date.now()) return;
    // A lease: no second attempt starts while this one runs, and one lost to an eviction is
    // taken up again by the alarm when the lease runs out.
    due.nextAt = Date.now() + LEASE_MS;
    this.core.saveQuietly();
    await this.core.schedule();
    let outcome: { externalId: string } | DeliveryError;
    try {
      outcome = await createExternalTicket({
        env: this.core.env,
        database: db(this.core.env.DB),
        settings: await recentSettings(this.core.env),
        target: due.target,
        ticketId: state.id,
        profileId: state.profileId,
        summary: due.summary,
        messages: this.log.history(due.upToSeq + 1, TRANSCRIPT_MESSAGES),
      });
    } catch (error) {
      // A failure of our own (D1 unreachable, say) is worth another try too.
      outcome = error instanceof DeliveryError ? error : new DeliveryError(error instanceof Error ? error.message : String(error), true);
    }
    const job = state.ai.handoff!;
    // An agent may have taken the conversation over meanwhile.
    if (job.status !== "pending") return;
    job.attempts += 1;
    if (!(outcome instanceof DeliveryError)) {
      Object.assign(job, { status: "delivered", externalId: outcome.externalId, lastError: null, nextAt: null });
      return this.conclude(
        `${deskName(job.target)} ticket ${outcome.externalId} was created with this conversation's transcript; the conversation continues there.`,
        true,
      );
    }
    console.warn(`ticket ${state.id}: ${deskName(job.target)} handoff attempt ${job.attempts} failed: ${outcome.message}`);
    if (outcome.retryable && job.attempts < MAX_ATTEMPTS) {
      const backoff = Number(this.core.env.HANDOFF_RETRY_BASE_MS ?? 2_000) * 2 ** (job.attempts - 1);
      Object.assign(job, { lastError: outcome.message, nextAt: Date.now() + Math.max(backoff, Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)) });
      this.core.saveQuietly();
      await this.logJob(job);
      await this.core.schedule();
      return;
    }
    // Never silently lost: when the help desk will not take it, the team gets it here.
    Object.assign(job, { status: "failed", lastError: outcome.message, nextAt: null });
    state.ai.handedTo = "inbox";
    state.visible = true;
    await this.conclude(
      `Could not create the ${deskName(job.target)} ticket (${outcome.retryable ? "it could not be reached" : "it refused the request; see the handoff log in the AI settings"}). The conversation is in the inbox instead.`,
      false,
    );
    await this.closedHours.replyIfClosed();
  }

  /**
   * Records how the handoff ended: a note in the thread, and the Parley ticket closed when the
   * help desk has it. A ticket the customer closed meanwhile takes no note: it is final.
   */
  private async conclude(note: string, closeTicket: boolean): Promise<void> {
    const state = this.core.state!;
    const before = this.core.snapshot();
    this.core.write(() => {
      if (before.status !== "closed") this.log.append({ kind: "system", id: null, name: null }, note);
      if (closeTicket) closeConversation(state);
      this.core.commit(before);
    });
    await this.logJob(state.ai.handoff!);
    await this.core.schedule();
  }

  /** An agent took the conversation over: a handoff still on its way is called off. */
  callOff(): void {
    const state = this.core.state!;
    const job = state.ai.handoff;
    if (job?.status !== "pending") return;
    Object.assign(job, { status: "failed", nextAt: null, lastError: "Called off: an agent took the conversation over in Parley." });
    this.core.ctx.waitUntil(this.logJob(job));
  }

  /** The admins' handoff log in D1; a write that fails is made again with the next attempt's. */
  private async logJob(job: HandoffJob): Promise<void> {
    try {
      await recordHandoff(db(this.core.env.DB), this.core.state!.id, job);
    } catch (error) {
      console.warn(`ticket ${this.core.state!.id}: could not log the handoff`, error);
    }
  }
}
