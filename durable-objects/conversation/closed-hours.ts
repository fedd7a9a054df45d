// Outside office hours, the first customer message of each closed period gets the store's
// closed-hours reply, as an automatic (bot) message, in the chat's language where the store has
// the text in it.
import { closedPeriodId } from "../../worker/lib/office-hours";
import { recentSettings, settingsNow, textsIn } from "../../worker/lib/settings";
import type { ConversationCore } from "./core";
import type { MessageLog } from "./message-log";

export class ClosedHours {
  constructor(
    private readonly core: ConversationCore,
    private readonly log: MessageLog,
  ) {}

  /** Whether the store may be closed now: false when its office hours are known to be off. */
  mayReply(): boolean {
    return settingsNow(this.core.env)?.officeHours.enabled ?? true;
  }

  async replyIfClosed(): Promise<void> {
    const settings = await recentSettings(this.core.env);
    if (!settings.officeHours.enabled) return;
    const period = closedPeriodId(settings.officeHours);
    const state = this.core.state;
    if (!period || !state || state.status === "closed" || state.closedReplyPeriod === period) return;
    const before = this.core.snapshot();
    this.core.write(() => {
      state.closedReplyPeriod = period;
      this.log.append({ kind: "bot", id: null, name: null }, textsIn(settings, state.locale).closedMessage);
      this.core.commit(before);
    });
    await this.core.schedule();
  }
}
