// The built-in answerer: no network, no model. It answers "where is my order?" from the
// customer's own newest order, and other questions with the store's best-matching FAQ answer or
// article paragraph when the match is confident enough. Less sure, it offers the best FAQs as
// suggestions; with no idea, it hands off to a person.
import { answerOrderQuestion } from "./orders";
import { rankByWords, type RankedPassage, type Ranker } from "./retrieval";
import { smallTalkReply } from "./small-talk";
import type { Answer, AnswerRequest, Answerer, Source } from "./types";

/**
 * The confidence below which the built-in answerer hands off, as the setting's default. 0.5 means
 * the best passage covers (IDF-weighted) at least half of what the question asks about with a
 * clear lead over other FAQs and articles, or about 70% of it when another one matches as well.
 * Chosen on the development questions (test/workers/ai-questions.ts): no wrong answer from 0.4
 * up, and recall falls above 0.5.
 */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * The confidence from which, below DEFAULT_THRESHOLD, FAQs are offered as suggestions. Chosen on
 * bench:ai's development split (never the test split): with the right FAQ among the suggestions
 * counting as answered, recall there is 78% in English and 76% in Swedish with Swedish FAQs at
 * 0.1, against 57% and 56% at 0.2, with no more false answers (suggestions are never false: the
 * shopper picks one or asks for a person). The price: more questions no FAQ covers get
 * suggestions before the shopper asks for a person (19 of 27 English ones there, against 8 at
 * 0.2); 0.05 would add 7 points of recall for 3 more of those.
 */
export const DEFAULT_SUGGEST_THRESHOLD = 0.1;

/** How many candidates a handoff lists for the inbox ("the AI considered these"), and how many FAQs a suggestion offers at most. */
const CANDIDATES = 3;
/** Passages ranked to find the best FAQs among articles' paragraphs. */
const RANKED = 12;

/** A passage as a source; its score is the confidence (0..1), which reads the same in any inbox. */
function source(ranked: RankedPassage): Source {
  const { passage } = ranked;
  return { kind: passage.kind, id: passage.id, title: passage.title, score: ranked.confidence };
}

export class BuiltinAnswerer implements Answerer {
  /** `rank`: by words alone, or by words and meaning when the store has semantic ranking on. */
  constructor(private readonly rank: Ranker = rankByWords) {}

  async answer(request: AnswerRequest): Promise<Answer> {
    const order = answerOrderQuestion(request.question, request.customer);
    if (order === "no_order") {
      // Telling them we can't find an order would be wrong for a guest checkout or another email
      // address, and a FAQ answer isn't what they asked: a person can look the order up.
      return {
        kind: "handoff",
        reason: "low_confidence",
        detail: "Asked about their order, but no order is on record for this customer.",
        confidence: 0,
        sources: [],
      };
    }
    // Confidence 1: every word of the answer is read from the customer's own order.
    if (order) return { kind: "answer", text: order.text, confidence: 1, sources: [order.source] };

    const smallTalk = smallTalkReply(request.question);
    if (smallTalk) return { kind: "answer", text: smallTalk, confidence: 1, sources: [] };

    const ranked = await this.rank(request.question, request.knowledge, RANKED, request.locale);
    const best = ranked[0];
    if (!best) {
      // Nothing at all to look up: never answered with a random passage.
      return { kind: "handoff", reason: "low_confidence", detail: "No passage of the store's knowledge matches the message.", confidence: 0, sources: [] };
    }
    if (best.confidence >= request.threshold) {
      return { kind: "answer", text: best.passage.text, confidence: best.confidence, sources: [source(best)] };
    }
    const faqs = ranked.filter((r) => r.passage.kind === "faq").slice(0, CANDIDATES);
    if (request.suggestFrom !== null && faqs.length > 0 && best.confidence >= request.suggestFrom) {
      return { kind: "suggest", confidence: best.confidence, sources: faqs.map(source), answers: faqs.map((r) => r.passage.text) };
    }
    return {
      kind: "handoff",
      reason: "low_confidence",
      detail: `The best match, "${best.passage.title}", has confidence ${best.confidence.toFixed(2)}, below ${request.threshold}.`,
      confidence: best.confidence,
      sources: ranked.slice(0, CANDIDATES).map(source),
    };
  }
}
