// The AI agent, answering first in web chats when it is on: after a customer's message is stored
// and acked, it reads the store's knowledge and only this customer's profile and events, and its
// answer takes the next seq like any message. One round runs at a time; messages arriving
// meanwhile are answered in the next. What it owes lives in the state, so the alarm takes it up
// again after an eviction.
import { cutToLength, MAX_BODY_CHARS, type AiNoteT, type SettingsT } from "../../contract";
import { db } from "../../worker/db/client";
import { decide, handoffSummary, questionOf } from "../../worker/lib/ai/agent";
import { handoff } from "../../worker/lib/ai/prompt";
import type { Answer } from "../../worker/lib/ai/types";
import { nowIso } from "../../worker/lib/ids";
import { recentSettings, textsIn } from "../../worker/lib/settings";
import type { ClosedHours } from "./closed-hours";
import type { ConversationCore } from "./core";
import type { HelpDeskHandoff } from "./handoff";
import type { MessageLog } from "./message-log";
import { aiHasIt, closeConversation, type StoredState } from "./state";

/** The name the AI agent types under. */
const ASSISTANT_NAME = "AI assistant";
/** An answer owed for this long was lost (an eviction mid-answer): the alarm takes it up again. */
const ANSWER_WATCHDOG_MS = 30_000;
/** How much of the thread the AI reads. */
const THREAD = { history: 30, unanswered: 50 };

export class AiResponder {
  private responding = false;
  private respondAgain = false;

  constructor(
    private readonly core: ConversationCore,
    private readonly log: MessageLog,
    private readonly closedHours: ClosedHours,
    private readonly handoffs: HelpDeskHandoff,
  ) {
    // While a round runs past the watchdog, look again in a second, not at once.
    core.wantsAlarm(() => {
      const owedSince = core.state?.ai.owedSince ?? null;
      return owedSince === null ? null : Math.max(owedSince + ANSWER_WATCHDOG_MS, Date.now() + 1_000);
    });
  }

  /** Whether a customer's message sets anything going: false lets the message path skip it. */
  followsMessage(): boolean {
    const state = this.core.state;
    if (!state) return false;
    return state.ai.mode === null || state.ai.mode === "answering" || (!aiHasIt(state) && this.closedHours.mayReply());
  }

  /**
   * What a customer's message sets going, once it is stored and acked: nothing that needs D1
   * (settings, the AI's reading) ever stands between a message and its `seq`.
   */
  async afterCustomerMessage(): Promise<void> {
    const state = this.core.state;
    if (!state) return;
    if (state.ai.mode === null) await this.decideWhoAnswers();
    if (state.ai.mode === "answering") await this.respond();
    else if (!aiHasIt(state)) await this.closedHours.replyIfClosed();
  }

  /**
   * The conversation's first customer message decides who answers it, once: the AI agent when it
   * is on (web chat only), else people, and then the ticket enters the inbox.
   */
  private async decideWhoAnswers(): Promise<void> {
    const aiOn = (await recentSettings(this.core.env)).ai.enabled;
    const state = this.core.state!;
    if (state.ai.mode !== null) return;
    const before = this.core.snapshot();
    state.ai.mode = aiOn && state.channel === "webchat" ? "answering" : "off";
    if (state.ai.mode === "answering") state.ai.owedSince = Date.now();
    else state.visible = true;
    this.core.commit(before);
    await this.core.schedule();
  }

  /** The alarm: an answer lost to an eviction (no round running here) is taken up again. */
  async runWatchdog(): Promise<void> {
    const owedSince = this.core.state?.ai.owedSince ?? null;
    if (owedSince === null || owedSince + ANSWER_WATCHDOG_MS > Date.now() || this.responding) return;
    await this.respond();
  }

  /** Answers what the customer has written since the AI last answered; again while more arrives. */
  private async respond(): Promise<void> {
    if (this.responding) {
      this.respondAgain = true;
      return;
    }
    this.responding = true;
    try {
      do {
        this.respondAgain = false;
        await this.answerOwed();
      } while (this.respondAgain);
    } finally {
      this.responding = false;
    }
  }

  private async answerOwed(): Promise<void> {
    const state = this.core.state!;
    const upTo = this.core.log.lastCustomerSeq;
    if (state.status === "closed" || state.ai.mode !== "answering" || upTo <= state.ai.answeredSeq) return this.settleOwed(state);
    // The watchdog times this round, not the first message that is still owed.
    state.ai.owedSince = Date.now();
    this.core.saveQuietly();
    await this.core.schedule();
    const settings = await recentSettings(this.core.env);
    if (!settings.ai.enabled) return this.toTeam();
    this.core.broadcast({ type: "typing", by: "agent", name: ASSISTANT_NAME });
    const { decision, question } = await decide({
      env: this.core.env,
      database: db(this.core.env.DB),
      ai: settings.ai,
      profileId: state.profileId,
      ...this.log.thread(state.ai.answeredSeq, upTo, THREAD),
      turns: state.ai.turns,
      locale: state.locale,
    });
    // The world may have moved while the AI thought: closed, handed off, or taken over.
    const now = this.core.snapshot();
    if (now.status === "closed" || now.aiMode !== "answering") return;
    state.ai.answeredSeq = Math.max(state.ai.answeredSeq, upTo);
    if (decision.kind === "handoff") return this.handOff(settings, decision, question);
    const before = this.core.snapshot();
    this.core.write(() => {
      if (decision.kind === "suggest") this.offer(decision);
      else {
        this.log.append({ kind: "bot", id: null, name: null }, cutToLength(decision.text, MAX_BODY_CHARS), {
          ai: { confidence: decision.confidence, sources: decision.sources },
        });
        // Suggestions answer the question they were offered for: a newer answer retires them.
        state.ai.offer = null;
      }
      // Only answers from the store's data count towards maxTurns, not a reply to "hi" or "thanks".
      if (decision.sources.length > 0) state.ai.turns += 1;
      if (this.core.log.lastCustomerSeq <= state.ai.answeredSeq) state.ai.owedSince = null;
      this.core.commit(before);
    });
    await this.core.schedule();
  }

  /**
   * "Is this what you're asking about?": the FAQs as a message whose body lists their titles (the
   * widget shows them as buttons under a heading in the shopper's language), pickable until the
   * next offer. Inside the caller's transaction.
   */
  private offer(decision: Extract<Answer, { kind: "suggest" }>): void {
    const titles = decision.sources.map((s) => `• ${s.title}`).join("\n");
    const message = this.log.append({ kind: "bot", id: null, name: null }, cutToLength(titles, MAX_BODY_CHARS), {
      ai: { confidence: decision.confidence, sources: [], suggestions: decision.sources },
    });
    this.core.state!.ai.offer = { seq: message.seq, options: decision.sources.map((source, i) => ({ source, answer: decision.answers[i]! })) };
  }

  /**
   * The customer picked FAQ `id` from the suggestions of message `seq`: its answer follows, noted
   * as picked (the inbox shows what was offered and taken). A refusal says why it can't be.
   */
  async pick(seq: number, id: string): Promise<string | null> {
    const state = this.core.state;
    if (!state || state.status === "closed") return "the conversation has ended.";
    const offer = state.ai.offer;
    if (state.ai.mode !== "answering" || !offer || offer.seq !== seq) return `seq: message ${seq} offers nothing to pick now.`;
    const option = offer.options.find((o) => o.source.id === id);
    if (!option) return `id: message ${seq} did not suggest ${id}.`;
    const before = this.core.snapshot();
    this.core.write(() => {
      this.log.append({ kind: "bot", id: null, name: null }, cutToLength(option.answer, MAX_BODY_CHARS), {
        ai: { confidence: option.source.score, sources: [option.source], pickedFrom: seq },
      });
      state.ai.offer = null;
      this.core.commit(before);
    });
    await this.core.schedule();
    return null;
  }

  /** Nothing more to answer: the watchdog stands down. */
  private settleOwed(state: StoredState): void {
    if (state.ai.owedSince === null) return;
    state.ai.owedSince = null;
    this.core.saveQuietly();
  }

  /**
   * The AI passes the conversation on, as the settings say: to the inbox, to an outside help desk
   * (a job retried until it lands), or with a message to the customer. The customer is told in
   * the AI's voice; the team reads a one-line summary. Once per conversation: a second call (a
   * double "Talk to a person", a handoff racing an answer) finds it already passed on.
   */
  private async handOff(settings: SettingsT, decision: Extract<Answer, { kind: "handoff" }>, question: string): Promise<void> {
    const state = this.core.state!;
    if (state.status === "closed" || state.ai.mode !== "answering") return;
    const target = settings.ai.handoff;
    // Messages go to every participant, the customer too: what went wrong in detail is for the logs.
    if (decision.detail) console.info(`ticket ${state.id}: the AI hands off (${decision.reason}): ${decision.detail}`);
    const before = this.core.snapshot();
    this.core.write(() => {
      state.ai.mode = "handed_off";
      state.ai.handedTo = target;
      state.ai.offer = null;
      state.ai.owedSince = null;
      state.ai.answeredSeq = this.core.log.lastCustomerSeq;
      const note: AiNoteT = { confidence: decision.confidence, sources: [], handoff: { reason: decision.reason, target } };
      this.log.append({ kind: "bot", id: null, name: null }, textsIn(settings, state.locale).handoffMessage, { ai: note });
      const summary = handoffSummary(decision.reason, question, settings.ai.maxTurns);
      this.log.append({ kind: "system", id: null, name: null }, summary);
      if (target === "inbox") state.visible = true;
      if (target === "message") closeConversation(state);
      if (target === "zendesk" || target === "gorgias") {
        // The transcript is what the conversation is now: the same on every attempt.
        state.ai.handoff = {
          target,
          status: "pending",
          attempts: 0,
          nextAt: Date.now(),
          lastError: null,
          externalId: null,
          summary,
          upToSeq: this.core.log.lastSeq,
          createdAt: nowIso(),
        };
      }
      this.core.commit(before);
    });
    await this.core.schedule();
    // Outside office hours people are away: the closed-hours reply comes now that people will read it.
    if (target === "inbox") await this.closedHours.replyIfClosed();
    if (state.ai.handoff?.status === "pending") this.core.ctx.waitUntil(this.handoffs.deliver());
  }

  /** The AI was switched off while it had the conversation: the team takes it as it is. */
  private async toTeam(): Promise<void> {
    const state = this.core.state!;
    if (!aiHasIt(state)) return;
    const before = this.core.snapshot();
    this.takeOver();
    this.core.commit(before);
    await this.core.schedule();
  }

  /** People answer from now on; an outside handoff still on its way is called off. The caller commits. */
  takeOver(): void {
    const state = this.core.state!;
    state.ai.mode = "off";
    state.ai.owedSince = null;
    state.visible = true;
    this.handoffs.callOff();
  }

  /** The customer's "Talk to a person", or "That didn't help" (`not_helpful`). */
  async requestPerson(reason: "asked_for_human" | "not_helpful" = "asked_for_human"): Promise<void> {
    const state = this.core.state;
    if (!state || state.status === "closed") return;
    if (state.ai.mode === null) {
      // Before the first message: people answer from the start.
      const before = this.core.snapshot();
      state.ai.mode = "off";
      this.core.commit(before);
      await this.core.schedule();
      return;
    }
    if (state.ai.mode !== "answering") return;
    const { unanswered } = this.log.thread(state.ai.answeredSeq, this.core.log.lastCustomerSeq, THREAD);
    await this.handOff(await recentSettings(this.core.env), handoff(reason, ""), questionOf(unanswered));
  }
}
