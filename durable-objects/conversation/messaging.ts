// The message path: a message from a person (a customer's widget or phone, an agent's inbox),
// from the socket or REST to its `seq`. It does only what the ack owes: the message, and whatever
// state row it changes, stored in one transaction; then the broadcast; then the ack. Everything
// else follows from it later (D1, the inbox, emails, SMS out, webhooks, the AI).
import type { AttachmentT } from "../../contract";
import { recentSettings } from "../../worker/lib/settings";
import type { ContinuityEmails } from "./continuity";
import type { ConversationCore } from "./core";
import type { TeamEmails } from "./emails";
import type { MessageLog } from "./message-log";
import { refuse, type Participant, type PostResult, type Refusal, type SendInput } from "./rpc";
import { aiHasIt, messageFromRow } from "./state";
import type { WebhookEvents } from "./webhooks";

/** What the AI and the SMS channel do around the message path. */
export type MessageHooks = {
  /** Whether a customer's message sets anything going (who answers it, the closed-hours reply). */
  followsCustomerMessage(): boolean;
  /** A customer's message is stored and acked: who answers it acts now. */
  afterCustomerMessage(): Promise<void>;
  /** An agent writing in a conversation the AI has takes it over. */
  takeOver(): void;
  /** An agent's reply in an SMS ticket: checked (it can go out?) before it takes a seq, in order. */
  gateSmsReply(input: SendInput, store: () => Promise<PostResult>): Promise<PostResult>;
};

export class Messaging {
  hooks!: MessageHooks;

  constructor(
    private readonly core: ConversationCore,
    private readonly log: MessageLog,
    private readonly events: WebhookEvents,
    private readonly emails: TeamEmails,
    private readonly continuity: ContinuityEmails,
  ) {}

  /**
   * Stores a person's message, acks it on the sender's socket (if it came on one), and only then
   * starts what follows from it, so the sender's ack is never behind a reply to it.
   */
  async post(author: Participant, input: SendInput, origin: string, sender?: WebSocket): Promise<PostResult> {
    const store = () => this.append(author, input, origin);
    const result = author.side === "agent" && this.core.state?.channel === "sms" ? await this.hooks.gateSmsReply(input, store) : await store();
    if (result.ok && sender) this.core.send(sender, { type: "ack", clientId: input.clientId, seq: result.message.seq });
    if (result.ok && !result.duplicate && author.side === "customer" && this.hooks.followsCustomerMessage())
      this.core.ctx.waitUntil(this.hooks.afterCustomerMessage());
    return result;
  }

  private async append(author: Participant, input: SendInput, origin: string): Promise<PostResult> {
    const chatOff = !(await this.customerMayWrite(author));
    const attachments = chatOff || !input.attachments?.length ? [] : await this.resolveAttachments(author, input.attachments, origin);
    if (!Array.isArray(attachments)) return attachments;
    // From here on no await: the seq is read, stored and broadcast as one step.
    const state = this.core.state;
    if (!state) return refuse("not_found", "Ticket was not found.");
    // A closed conversation still answers a repeat of a message it stored.
    if (state.status === "closed") return this.repeated(author, input) ?? refuse("conversation_closed", "This conversation has ended; start a new chat.");
    // So does a web chat while the store has web chat off (Parley's `chat_disabled` frame code).
    if (chatOff) return this.repeated(author, input) ?? refuse("chat_disabled", "Web chat is switched off for this store; your message was not sent.");

    const before = this.core.snapshot();
    const message = this.core.write(() => {
      const appended = this.log.appendOnce({ kind: author.side, id: author.id, name: author.name }, input.body, { attachments, clientId: input.clientId });
      if (!appended) return null;
      const changed = author.side === "customer" ? this.customerWrote() : this.agentWrote(author);
      // Where links in emails and Twilio's callbacks point: bookkeeping, not a change to the ticket.
      // An emailed answer comes with no origin of its own ("").
      const moved = origin !== "" && state.origin !== origin;
      if (moved) state.origin = origin;
      if (changed) this.core.commit(before);
      else if (moved) this.core.saveQuietly();
      this.events.messageCreated(appended);
      return appended;
    });
    if (!message) return this.repeated(author, input)!;
    // Replying is reading: the agent has seen what they answer.
    if (author.side === "agent") this.core.broadcast({ type: "read", by: "agent", seq: message.seq });
    await this.core.schedule();
    return { ok: true, message, duplicate: false };
  }

  /**
   * Whether the web chat's customer may write: not while the store has web chat switched off
   * (settings as recently read: a change reaches the object within the settings cache's
   * 10 seconds). An SMS ticket's customer texts whatever the widget's switch says, and agents
   * always may.
   */
  private async customerMayWrite(author: Participant): Promise<boolean> {
    if (author.side !== "customer" || this.core.state?.channel !== "webchat") return true;
    return (await recentSettings(this.core.env)).webchatEnabled;
  }

  /**
   * The answer to a clientId already stored: its message again (the same ack), or a refusal when
   * another sender used it. Null when it is not stored.
   */
  private repeated(author: Participant, input: SendInput): PostResult | null {
    const stored = this.log.byClientId(input.clientId);
    if (!stored) return null;
    if (stored.author_kind !== author.side || stored.author_id !== author.id) {
      return refuse("invalid_frame", "clientId: already used by another sender; generate a unique clientId per message.");
    }
    return { ok: true, message: messageFromRow(stored), duplicate: true };
  }

  /** What a customer's message changes besides the log; true when the stored state changed. */
  private customerWrote(): boolean {
    const state = this.core.state!;
    let changed = false;
    this.emails.customerWrote();
    if (state.ai.mode === "answering" && state.ai.owedSince === null) {
      state.ai.owedSince = Date.now();
      changed = true;
    }
    // Before the first message's decision (just after it is stored) the ticket waits unseen.
    if (state.ai.mode !== null && !aiHasIt(state) && !state.visible) {
      state.visible = true;
      changed = true;
    }
    if (state.status === "snoozed") {
      state.status = "open";
      state.snoozeUntil = null;
      changed = true;
    }
    return changed;
  }

  /** What an agent's message changes besides the log; true when the stored state changed. */
  private agentWrote(author: Participant): boolean {
    const state = this.core.state!;
    let changed = false;
    this.continuity.agentReplied();
    // An agent who writes in a conversation the AI has takes it over: it is the team's now.
    if (aiHasIt(state)) {
      this.hooks.takeOver();
      changed = true;
    }
    if (state.assigneeId === null) {
      state.assigneeId = author.id;
      changed = true;
    }
    return changed;
  }

  /** Attachments name uploads of the same sender; the stored file gives the rest. */
  private async resolveAttachments(author: Participant, refs: Array<{ key: string }>, origin: string): Promise<AttachmentT[] | Refusal> {
    const owner = `${author.side}:${author.id}`;
    const heads = await Promise.all(refs.map((ref) => this.core.env.UPLOADS.head(ref.key)));
    const attachments: AttachmentT[] = [];
    for (const [i, head] of heads.entries()) {
      if (!head || head.customMetadata?.owner !== owner) {
        return refuse("invalid_frame", `attachments.${i}: no upload of yours has that key; upload the file with POST /api/uploads first.`);
      }
      const key = refs[i]!.key;
      attachments.push({
        key,
        url: `${origin}/api/uploads/${key}`,
        contentType: head.httpMetadata?.contentType ?? "application/octet-stream",
        size: head.size,
      });
    }
    return attachments;
  }
}
