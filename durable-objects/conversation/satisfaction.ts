// Customer satisfaction (spec v2 "Customer satisfaction (CSAT)"): the customer's one rating of the
// closed ticket, from the widget or, on an SMS ticket, as a text answering the question that went
// out when it closed.
import { RATING_WINDOW_DAYS, SMS_RATING_WINDOW_HOURS, type RatingRequestT, type RatingT } from "../../contract";
import { nowIso } from "../../worker/lib/ids";
import { recentSettings, textsIn } from "../../worker/lib/settings";
import type { ConversationCore } from "./core";
import type { MessageLog } from "./message-log";
import type { Job, JobOutcome, Outbox } from "./outbox";
import { refuse, type RateResult } from "./rpc";

const DAY_MS = 24 * 60 * 60_000;
const HOUR_MS = 60 * 60_000;

export class Satisfaction {
  constructor(
    private readonly core: ConversationCore,
    private readonly log: MessageLog,
    outbox: Outbox,
  ) {
    // Whether CSAT is on is the settings' (D1): the job asks, off the path of the close.
    core.onChange((before, state) => {
      if (before.status !== "closed" && state.status === "closed" && state.channel === "sms") outbox.add("csat", { kind: "csat" });
    });
  }

  /** The customer rates the closed ticket (POST /api/widget/conversations/:id/rating). */
  async rate(customerId: string, input: RatingRequestT): Promise<RateResult> {
    const state = this.core.state;
    if (!state) return refuse("not_found", "Ticket was not found.");
    if (state.profileId !== customerId) return refuse("forbidden", "This conversation belongs to another customer.");
    return this.record(input);
  }

  /** A text answering the rating question, within a day of it: the rating, or a refusal when it is not one. */
  async rateBySms(score: number): Promise<RateResult> {
    const state = this.core.state;
    if (!state) return refuse("not_found", "Ticket was not found.");
    if (state.ratingAskedAt === null || Date.now() - state.ratingAskedAt > SMS_RATING_WINDOW_HOURS * HOUR_MS) {
      return refuse("invalid_request", `No rating was asked for in the past ${SMS_RATING_WINDOW_HOURS} hours.`);
    }
    return this.record({ score });
  }

  private async record({ score, comment }: RatingRequestT): Promise<RateResult> {
    const state = this.core.state!;
    if (state.status !== "closed") return refuse("not_closed", "This conversation is still open: it can be rated once it has ended.");
    if (state.rating) return refuse("already_exists", "This conversation has been rated already.");
    if (Date.now() - Date.parse(state.closedAt!) > RATING_WINDOW_DAYS * DAY_MS) {
      return refuse("forbidden", `Ratings are taken within ${RATING_WINDOW_DAYS} days of the conversation's end.`);
    }
    const rating: RatingT = { score, comment: comment || null, createdAt: nowIso() };
    const before = this.core.snapshot();
    state.rating = rating;
    this.core.commit(before);
    this.core.broadcast({ type: "rating", rating });
    await this.core.schedule();
    return { ok: true, rating };
  }

  /** The outbox's runner: an SMS ticket that closed asks its customer for a rating, when CSAT is on. */
  async askBySms(_job: Job<"csat">): Promise<JobOutcome<"csat">> {
    const state = this.core.state!;
    if (state.ratingAskedAt !== null || state.rating) return "done";
    const settings = await recentSettings(this.core.env);
    if (!settings.csat.enabled) return "done";
    const question = `${textsIn(settings, state.locale).csatQuestion} Reply with a number from 1 (poor) to 5 (great).`;
    this.core.write(() => {
      // A team message in an SMS ticket goes out by text (the SMS channel owes it).
      this.log.append({ kind: "bot", id: null, name: null }, question);
      state.ratingAskedAt = Date.now();
      this.core.saveQuietly();
    });
    return "done";
  }
}
