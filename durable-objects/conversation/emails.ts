// The team's notification emails about this ticket: "new ticket" when it enters the inbox, and
// "the customer wrote" to an assigned agent who asked for it, at most one per ticket per
// NOTIFY_EMAIL_INTERVAL_MS. Who gets them and what they say is the notifier's (worker/lib/notify).
import { db } from "../../worker/db/client";
import { agentsEmailedOnReply } from "../../worker/lib/agents";
import { sendTicketNotification } from "../../worker/lib/notify/send";
import { claimNewTicketEmail } from "../../worker/lib/notify/throttle";
import { recentSettings } from "../../worker/lib/settings";
import type { ConversationCore } from "./core";
import type { MessageLog } from "./message-log";
import type { EmailKind, Job, JobOutcome, Outbox } from "./outbox";
import { agentRead } from "./state";

const MAX_EMAIL_ATTEMPTS = 8;
/** The newest customer messages an email quotes. */
const EMAIL_MESSAGES = 5;
const DEFAULT_INTERVAL_MS = 300_000;

/** The team's email and the assignee's run apart: one retrying never holds up the other. */
const laneOf = (email: EmailKind) => `email:${email}`;

export class TeamEmails {
  constructor(
    private readonly core: ConversationCore,
    private readonly outbox: Outbox,
    private readonly log: MessageLog,
  ) {
    core.onChange((_before, _state, entered) => {
      if (entered) this.outbox.add(laneOf("new_ticket"), { kind: "email", email: "new_ticket", sent: [] });
    });
  }

  /**
   * A customer wrote in an assigned ticket: its agent may want an email. What the customer writes
   * while one is owed goes into that one; `finishing` is the email job that is ending.
   */
  customerWrote(finishing?: Job<"email">): void {
    const state = this.core.state!;
    const lane = laneOf("customer_reply");
    if (!state.announced || !state.assigneeId || !this.mayWantEmail(state.assigneeId) || this.outbox.has(lane, finishing)) return;
    const interval = Number(this.core.env.NOTIFY_EMAIL_INTERVAL_MS ?? DEFAULT_INTERVAL_MS);
    this.outbox.add(lane, { kind: "email", email: "customer_reply", sent: [] }, Math.max(Date.now(), (state.notify.lastEmailAt ?? 0) + interval));
  }

  /** Known not to want these emails: no job. Not known yet (a fresh isolate): owed, and the sender decides. */
  private mayWantEmail(agentId: string): boolean {
    const emailed = agentsEmailedOnReply(this.core.env).now();
    return emailed === undefined || emailed.has(agentId);
  }

  /** The outbox's runner: one attempt at this ticket's email. */
  async send(job: Job<"email">): Promise<JobOutcome<"email">> {
    let payload = job.payload;
    const state = this.core.state!;
    const log = this.core.log;
    // Read meanwhile: the agent knows already.
    if (payload.email === "customer_reply" && agentRead(state, log) >= log.lastCustomerSeq) {
      state.notify.emailedSeq = log.lastCustomerSeq;
      this.core.saveQuietly();
      return "done";
    }
    // A burst of tickets from one customer: the team hears of the first one only.
    if (payload.email === "new_ticket" && !payload.claimed) {
      if (!(await claimNewTicketEmail(db(this.core.env.DB), state.profileId))) return "done";
      payload = { ...payload, claimed: true };
    }
    const messages = this.log.messagesAfter("customer", payload.email === "new_ticket" ? 0 : state.notify.emailedSeq, EMAIL_MESSAGES);
    const { sent, error } = await sendTicketNotification(this.core.env, db(this.core.env.DB), {
      kind: payload.email,
      ticket: this.core.ticket(),
      messages,
      phone: state.smsTo,
      origin: state.origin ?? "",
      settings: await recentSettings(this.core.env),
      alreadySent: payload.sent,
    });
    const done = [...payload.sent, ...sent];
    if (error?.retryable && job.attempts + 1 < MAX_EMAIL_ATTEMPTS)
      return { retryAt: this.outbox.retryAt(job, error.retryAfterMs), payload: { ...payload, sent: done } };
    if (error) console.warn(`ticket ${state.id}: notification email failed: ${error.message}`);
    // What the email quoted is covered; what the customer wrote while it was sent gets the next one.
    state.notify.emailedSeq = Math.max(state.notify.emailedSeq, ...messages.map((message) => message.seq));
    if (done.length > 0) state.notify.lastEmailAt = Date.now();
    this.core.saveQuietly();
    if (log.lastCustomerSeq > state.notify.emailedSeq) this.customerWrote(job);
    return "done";
  }
}
