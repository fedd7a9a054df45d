// Changes to the ticket itself: an agent's PATCH (status, snooze, assignee, labels), the customer ending
// the chat, read marks, and a snoozed ticket waking at its time.
import type { SideT } from "../../contract";
import type { AiResponder } from "./ai";
import type { ConversationCore } from "./core";
import { refuse, type TicketPatch, type UpdateResult } from "./rpc";
import { aiHasIt, closeConversation } from "./state";

export class TicketUpdates {
  constructor(
    private readonly core: ConversationCore,
    private readonly ai: AiResponder,
  ) {
    core.wantsAlarm(() => {
      const state = core.state;
      return state?.status === "snoozed" && state.snoozeUntil ? Date.parse(state.snoozeUntil) : null;
    });
  }

  async update(patch: TicketPatch): Promise<UpdateResult> {
    const state = this.core.state;
    if (!state) return refuse("not_found", "Ticket was not found.");
    if (patch.dropLabel !== undefined) return this.dropLabel(patch.dropLabel);
    if (state.status === "closed") {
      // Labels sort the team's work, closed tickets included: they may change on a closed ticket.
      const keepsClosed = (patch.status ?? "closed") === "closed" && patch.snoozeUntil === undefined && patch.assigneeId === undefined;
      if (!keepsClosed) return refuse("conversation_closed", "This ticket is closed; closed tickets never reopen.");
      if (patch.labels !== undefined) this.setLabels(patch.labels);
      await this.core.schedule();
      return { ok: true, ticket: this.core.ticket() };
    }
    const status = patch.status ?? state.status;
    let snoozeUntil = patch.snoozeUntil !== undefined ? patch.snoozeUntil : state.snoozeUntil;
    if (status === "snoozed") {
      if (!snoozeUntil) return refuse("invalid_request", "snoozeUntil: a snoozed ticket needs a time to wake up.");
      if (Date.parse(snoozeUntil) <= Date.now()) return refuse("invalid_request", "snoozeUntil: must be in the future.");
    } else {
      if (patch.snoozeUntil) return refuse("invalid_request", 'snoozeUntil: only a snoozed ticket has one; set status to "snoozed".');
      snoozeUntil = null;
    }
    const before = this.core.snapshot();
    state.status = status;
    state.snoozeUntil = snoozeUntil && new Date(snoozeUntil).toISOString();
    if (patch.assigneeId !== undefined) state.assigneeId = patch.assigneeId;
    if (patch.labels !== undefined) state.labels = patch.labels;
    // Giving a conversation the AI has to someone hands it to the team.
    if (patch.assigneeId && aiHasIt(state)) this.ai.takeOver();
    if (status === "closed") closeConversation(state);
    this.core.commit(before);
    await this.core.schedule();
    return { ok: true, ticket: this.core.ticket() };
  }

  /** The Worker checked the names against D1's labels; stored as they are. */
  private setLabels(labels: string[]): void {
    if (sameLabels(this.core.state!.labels, labels)) return;
    const before = this.core.snapshot();
    this.core.state!.labels = labels;
    this.core.commit(before);
  }

  private async dropLabel(name: string): Promise<UpdateResult> {
    const state = this.core.state!;
    if (state.labels.includes(name)) this.setLabels(state.labels.filter((label) => label !== name));
    await this.core.schedule();
    return { ok: true, ticket: this.core.ticket() };
  }

  /** `seq` and everything before it has been seen by `side`; false when there is no such message. */
  async markRead(side: SideT, seq: number, from?: WebSocket): Promise<boolean> {
    const state = this.core.state;
    if (!state) return true;
    if (seq > this.core.log.lastSeq) return false;
    if (seq <= state.reads[side]) return true;
    const before = this.core.snapshot();
    state.reads[side] = seq;
    this.core.commit(before);
    this.core.broadcast({ type: "read", by: side, seq }, from);
    await this.core.schedule();
    return true;
  }

  /** The alarm: a snoozed ticket whose time has come is open again. */
  async wakeIfDue(): Promise<void> {
    const state = this.core.state;
    if (state?.status !== "snoozed" || !state.snoozeUntil || Date.parse(state.snoozeUntil) > Date.now()) return;
    const before = this.core.snapshot();
    state.status = "open";
    state.snoozeUntil = null;
    this.core.commit(before);
  }
}

const sameLabels = (a: string[], b: string[]) => a.length === b.length && a.every((label, i) => label === b[i]);
