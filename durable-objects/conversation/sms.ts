// The SMS channel of an SMS ticket: the customer's texts coming in (Twilio's webhook, checked by
// the Worker), what the team says going out by text through the outbox, and Twilio's reports of
// each text's delivery.
import { MAX_MMS_MEDIA, MAX_SMS_CHARS, smsSegments, type AuthorT, type DeliveryStatusT, type DeliveryT, type MessageT, type SmsKeyword } from "../../contract";
import { db } from "../../worker/db/client";
import { cachedPerDatabase } from "../../worker/lib/cache";
import { nowIso } from "../../worker/lib/ids";
import { DeliveryError } from "../../worker/lib/outbound";
import { recentSettings } from "../../worker/lib/settings";
import { isOptedOut } from "../../worker/lib/sms/opt-outs";
import { sendTwilioMessage, twilioConfig } from "../../worker/lib/sms/twilio";
import type { ConversationCore } from "./core";
import type { MessageLog } from "./message-log";
import type { Messaging } from "./messaging";
import type { Job, JobOutcome, Outbox } from "./outbox";
import { refuse, type InboundSms, type PostResult, type Refusal, type SendInput, type SmsStatusReport } from "./rpc";

/** An SMS Twilio could not take for this long is marked failed: the agent decides whether to send it again. */
const SMS_GIVE_UP_MS = 24 * 60 * 60_000;
const DELIVERY_RANK: Record<DeliveryStatusT, number> = { queued: 0, sent: 1, delivered: 2, failed: 3 };
const KEYWORD_NOTES: Record<SmsKeyword, string | null> = {
  stop: "The customer texted STOP: this number gets no more SMS until they text START, so replies are refused.",
  start: "The customer texted START: replies by SMS reach them again.",
  help: null,
};

/**
 * Twilio's account as the settings and the stored token give it. Reading the token means D1 and
 * a decryption: it is kept like the settings, once it is set up.
 */
const twilioAccount = cachedPerDatabase(10_000, async (env: Env) => twilioConfig(db(env.DB), env, await recentSettings(env)));

/**
 * The status after news of `status`: reports arrive out of order, so a status never moves back,
 * and an outcome (delivered, failed) is final.
 */
function advancedDelivery(delivery: DeliveryT, status: DeliveryStatusT): DeliveryStatusT {
  const settled = delivery.status === "delivered" || delivery.status === "failed";
  return !settled && (status === "failed" || DELIVERY_RANK[status] > DELIVERY_RANK[delivery.status]) ? status : delivery.status;
}

export class SmsChannel {
  /** Replies are checked (D1) before they take a seq: one at a time, so none overtakes another. */
  private replies: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly core: ConversationCore,
    private readonly log: MessageLog,
    private readonly outbox: Outbox,
    private readonly messaging: Messaging,
  ) {
    // What the team says in an SMS ticket (an agent's reply, the closed-hours reply) goes out by text.
    log.out = {
      delivery: (author, body) =>
        this.texted(author) ? { status: "queued", segments: smsSegments(body).segments, sid: null, error: null, updatedAt: nowIso() } : undefined,
      owe: (message) => this.outbox.add("sms", { kind: "sms", seq: message.seq }),
    };
  }

  private texted(author: AuthorT): boolean {
    return this.core.state!.channel === "sms" && (author.kind === "agent" || author.kind === "bot");
  }

  /** Not set up is not kept: the moment an admin sets SMS up, replies can go out. */
  private async account() {
    const cache = twilioAccount(this.core.env);
    const account = await cache.get();
    if (!account) cache.clear();
    return account;
  }

  /** A text from the customer's phone; a keyword (STOP, START) leaves a note for the team. */
  async receive(customer: { id: string; name: string | null }, input: InboundSms, origin: string): Promise<PostResult> {
    const state = this.core.state;
    if (!state) return refuse("not_found", "Ticket was not found.");
    if (state.channel !== "sms") return refuse("invalid_request", "This ticket is not an SMS ticket.");
    const result = await this.messaging.post(
      { side: "customer", id: customer.id, name: customer.name },
      { clientId: input.sid, body: input.body, attachments: input.attachments },
      origin,
    );
    if (!result.ok || result.duplicate) return result;
    const before = this.core.snapshot();
    const note = input.keyword && KEYWORD_NOTES[input.keyword];
    this.core.write(() => {
      state.smsTo ??= input.phone;
      if (note) this.log.append({ kind: "system", id: null, name: null }, note);
      this.core.commit(before);
    });
    await this.core.schedule();
    return result;
  }

  /** An agent's reply, refused before it takes a seq when it cannot go out by text. */
  gateReply(input: SendInput, store: () => Promise<PostResult>): Promise<PostResult> {
    const result = this.replies.then(async (): Promise<PostResult> => {
      const state = this.core.state;
      if (state && state.status !== "closed" && !this.log.byClientId(input.clientId)) {
        if (input.body.length > MAX_SMS_CHARS) return refuse("invalid_request", `body: an SMS is at most ${MAX_SMS_CHARS} characters.`);
        if ((input.attachments?.length ?? 0) > MAX_MMS_MEDIA) return refuse("invalid_request", `attachments: an MMS carries at most ${MAX_MMS_MEDIA} images.`);
        const refusal = await this.refusalFor(state.smsTo).catch((error) => {
          console.warn(`ticket ${state.id}: could not check whether an SMS can go out`, error);
          return refuse("sms_unavailable", "Could not check whether this SMS can go out; try again in a moment.");
        });
        if (refusal) return refusal;
      }
      return store();
    });
    this.replies = result.catch(() => undefined);
    return result;
  }

  /** Why a reply to `phone` cannot go out by SMS now, if it cannot. */
  private async refusalFor(phone: string | null): Promise<Refusal | null> {
    if (!phone || !(await this.account())) {
      return refuse("sms_unavailable", "SMS is not set up: an admin connects Twilio in Settings → SMS, then replies can go out.");
    }
    if (await isOptedOut(db(this.core.env.DB), phone)) {
      return refuse("sms_opted_out", "This number texted STOP: it gets no messages until the customer texts START.");
    }
    return null;
  }

  /** Twilio's status callback for the text of message `seq`; false when it does not match one. */
  report({ seq, sid, status, error }: SmsStatusReport): boolean {
    const delivery = this.log.messageAt(seq)?.delivery;
    if (!delivery) return false;
    // A late word on an attempt an agent has since replaced is Twilio's due, not this send's.
    if (this.core.sql.exec("SELECT 1 FROM replaced_sms WHERE sid = ?", sid).toArray().length > 0) return true;
    if (delivery.sid !== null && delivery.sid !== sid) return false;
    const moved = advancedDelivery(delivery, status);
    if (moved !== delivery.status)
      this.log.setDelivery(seq, { ...delivery, status: moved, sid, error: moved === "failed" ? (error ?? "Twilio could not deliver it.") : null });
    return true;
  }

  /** An agent sends a failed text again. */
  async retry(seq: number): Promise<{ ok: true; message: MessageT } | Refusal> {
    const state = this.core.state;
    if (!state) return refuse("not_found", "Ticket was not found.");
    const delivery = this.log.messageAt(seq)?.delivery;
    if (!delivery) return refuse("not_found", "No SMS was sent with that message.");
    if (state.status === "closed") return refuse("conversation_closed", "This ticket is closed; closed tickets never reopen.");
    if (delivery.status !== "failed") return refuse("invalid_request", `Only a failed SMS can be sent again; this one is ${delivery.status}.`);
    this.core.write(() => {
      if (delivery.sid) this.core.sql.exec("INSERT OR IGNORE INTO replaced_sms (sid) VALUES (?)", delivery.sid);
      this.log.setDelivery(seq, { ...delivery, status: "queued", sid: null, error: null });
      this.outbox.add("sms", { kind: "sms", seq });
    });
    await this.core.schedule();
    return { ok: true, message: this.log.messageAt(seq)! };
  }

  /** The outbox's runner: one attempt at a queued text. Twilio unreachable: it stays queued and is retried for a day. */
  async send(job: Job<"sms">): Promise<JobOutcome<"sms">> {
    const { seq } = job.payload;
    const state = this.core.state!;
    const message = this.log.messageAt(seq);
    const delivery = message?.delivery;
    if (!message || delivery?.status !== "queued" || delivery.sid !== null) return "done";
    const fail = (error: string): JobOutcome<"sms"> => {
      this.log.setDelivery(seq, { ...delivery, status: "failed", error });
      return "done";
    };
    const config = await this.account();
    if (!config || !state.smsTo) return fail("SMS is not set up: an admin connects Twilio in Settings → SMS.");
    if (await isOptedOut(db(this.core.env.DB), state.smsTo)) return fail("The number texted STOP: it gets no messages until the customer texts START.");
    try {
      const sent = await sendTwilioMessage(config, {
        to: state.smsTo,
        body: message.body,
        mediaUrls: message.attachments.map((attachment) => attachment.url),
        statusCallback: state.origin && `${state.origin}/api/sms/twilio/status?ticket=${encodeURIComponent(state.id)}&seq=${seq}`,
      });
      // A status callback may have come in while Twilio's answer was on its way: the further one holds.
      const current = this.log.messageAt(seq)!.delivery!;
      const status = advancedDelivery(current, sent.status);
      this.log.setDelivery(seq, { ...current, status, sid: sent.sid, error: status === "failed" ? current.error : null });
      return "done";
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      if (!error.retryable) return fail(error.message);
      if (Date.now() - job.createdAt > SMS_GIVE_UP_MS) return fail(`${error.message}; gave up after a day of retries.`);
      this.log.setDelivery(seq, { ...delivery, error: `${error.message}; retrying.` });
      return { retryAt: this.outbox.retryAt(job, error.retryAfterMs) };
    }
  }
}
