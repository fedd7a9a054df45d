// The AI service agent's parts speak these types: the conversation's object gathers what the
// store knows (FAQs, knowledge-base articles, this customer's own profile and events), an
// Answerer decides, and the object stores the answer as a `bot` message or hands off.
import type { Locale, StoreEventT } from "../../../contract";

/** A piece of the store's knowledge that an answer may rest on. */
export type Passage = {
  kind: "faq" | "article";
  /** The FAQ's or article's id. Several passages of one article share it. */
  id: string;
  title: string;
  text: string;
  /** The locale of the translation it comes from; absent for the default text, whose language its words tell. */
  locale?: Locale;
};

/** What is known about the customer who asks: only theirs, never anyone else's. */
export type CustomerContext = {
  name: string | null;
  email: string | null;
  /** The profile's events, newest first (orders are `Placed Order`, emails `Received Email`). */
  events: StoreEventT[];
};

export type Turn = { role: "customer" | "assistant"; text: string };

export type AnswerRequest = {
  /** The customer's newest message(s), joined: what to answer now. */
  question: string;
  /** The conversation so far, oldest first, without the question itself. */
  history: Turn[];
  knowledge: Passage[];
  customer: CustomerContext;
  /** 0..1: below this confidence the answerer hands off instead of answering. */
  threshold: number;
  /** 0..1, at most `threshold`: from this confidence FAQs are offered as suggestions; null: never. */
  suggestFrom: number | null;
  /** The shopper's language, when the widget said: it tips the ranking's reading of the question. */
  locale: Locale | null;
};

/** Where an answer came from, for the inbox ("the AI used these passages"). */
export type Source = { kind: "faq" | "article" | "order"; id: string; title: string; score: number };

export type HandoffReason = "low_confidence" | "asked_for_human" | "not_helpful" | "unresolved" | "provider_error";

export type Answer =
  | { kind: "answer"; text: string; confidence: number; sources: Source[] }
  /**
   * Not sure enough to answer: the shopper is offered `sources`, FAQs (one to three, best first),
   * or a person; `answers[i]` is what picking `sources[i]` answers.
   */
  | { kind: "suggest"; confidence: number; sources: Source[]; answers: string[] }
  | { kind: "handoff"; reason: HandoffReason; detail: string; confidence: number; sources: Source[] };

export interface Answerer {
  answer(request: AnswerRequest): Promise<Answer>;
}
