// Ranking the store's knowledge against a question: BM25 over passages, plus a confidence that
// means the same thing whatever the question ("how much of what was asked does this passage
// cover, and how clearly does it beat the alternatives"), so one threshold fits all questions.
// The index is built per request from the store's passages (tens to a few hundred); only each
// passage's word analysis is memoised (see `analysePassage`). The test measures both.
import type { ArticleTranslationsT, FaqTranslationsT, Locale } from "../../../contract";
import { analyse, editDistance, isWeakWord, stem, term, TEXT_LANGUAGES, textLanguageOf, words, type TextLanguage } from "./text";
import type { Passage } from "./types";

export type FaqInput = { id: string; question: string; answer: string };
export type ArticleInput = { id: string; title: string; body: string };
/** The store's knowledge as read: the published FAQs and the articles, with their translations. */
export type Knowledge = {
  faqs: Array<FaqInput & { translations: FaqTranslationsT }>;
  articles: Array<ArticleInput & { translations: ArticleTranslationsT }>;
};

/** A FAQ is one passage: its question is the title (matched), its answer the text (said). */
export function faqPassage(faq: FaqInput): Passage {
  return { kind: "faq", id: faq.id, title: faq.question, text: faq.answer };
}

// Paragraph-sized passages: short enough that the best one answers one thing, long enough that
// a heading or a one-line paragraph doesn't stand alone without what it introduces.
const MIN_PASSAGE_CHARS = 120;
const MAX_PASSAGE_CHARS = 900;

/** Splits one over-long paragraph at sentence ends into pieces of at most MAX_PASSAGE_CHARS. */
function splitLongParagraph(paragraph: string): string[] {
  if (paragraph.length <= MAX_PASSAGE_CHARS) return [paragraph];
  const pieces: string[] = [];
  let piece = "";
  for (const sentence of paragraph.split(/(?<=[.!?])\s+/)) {
    if (piece && piece.length + 1 + sentence.length > MAX_PASSAGE_CHARS) {
      pieces.push(piece);
      piece = sentence;
    } else {
      piece = piece ? `${piece} ${sentence}` : sentence;
    }
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/**
 * An article becomes one passage per paragraph (blank-line separated), each titled with the
 * article's title so that the title's words count for every paragraph. Short paragraphs
 * (headings, one-liners) join the paragraph after them; over-long ones are split at sentences.
 */
export function articlePassages(article: ArticleInput): Passage[] {
  const texts: string[] = [];
  let pending = "";
  for (const raw of article.body.split(/\n\s*\n/)) {
    const paragraph = raw.trim();
    if (!paragraph) continue;
    const joined = pending ? `${pending}\n\n${paragraph}` : paragraph;
    if (joined.length < MIN_PASSAGE_CHARS) pending = joined;
    else {
      texts.push(...splitLongParagraph(joined));
      pending = "";
    }
  }
  if (pending) {
    if (texts.length > 0) texts[texts.length - 1] = `${texts[texts.length - 1]}\n\n${pending}`;
    else texts.push(pending);
  }
  return texts.map((text) => ({ kind: "article", id: article.id, title: article.title, text }));
}

/**
 * The passages the answerers rank for a shopper in `locale` (null: not known): every FAQ and
 * article once, in that locale where it has a translation (its passages then say so), else in
 * its default text. So an answer comes in the shopper's language wherever the store wrote one.
 */
export function knowledgePassages({ faqs, articles }: Knowledge, locale: Locale | null): Passage[] {
  if (!locale) return [...faqs.map(faqPassage), ...articles.flatMap(articlePassages)];
  const inLocale = (passage: Passage): Passage => ({ ...passage, locale });
  return [
    ...faqs.map((faq) => {
      const translated = faq.translations[locale];
      return translated ? inLocale(faqPassage({ id: faq.id, ...translated })) : faqPassage(faq);
    }),
    ...articles.flatMap((article) => {
      const translated = article.translations[locale];
      return translated ? articlePassages({ id: article.id, ...translated }).map(inLocale) : articlePassages(article);
    }),
  ];
}

// BM25's usual constants: term frequency saturates around k1, and b = 0.75 mostly (not fully)
// discounts long passages.
const K1 = 1.2;
const B = 0.75;

/**
 * How much the confidence rests on the margin over the runner-up (the rest rests on coverage).
 * A tie costs at most this share: a question that two different passages answer equally well
 * is less certain, but a passage that covers the whole question is still worth answering with.
 */
const MARGIN_WEIGHT = 0.3;

export type RankedPassage = {
  passage: Passage;
  /** BM25: comparable between passages of one ranking, not across questions. */
  score: number;
  /** 0..1, comparable across questions: see `rankPassages`. */
  confidence: number;
};

/**
 * A passage in another language than the question's ranks with this share of its BM25 score: an
 * English question about Apple Pay should get the English payment FAQ, not its Swedish twin,
 * yet a store whose knowledge is all in one language still answers in it.
 */
const OTHER_LANGUAGE_FACTOR = 0.5;

/** Danish and bokmål are written so alike that a short text in one is easily taken for the other. */
const WRITTEN_ALIKE: ReadonlySet<TextLanguage> = new Set(["da", "nb"]);

const otherLanguage = (a: TextLanguage, b: TextLanguage) => a !== b && !(WRITTEN_ALIKE.has(a) && WRITTEN_ALIKE.has(b));

/**
 * A weak term's share in BM25 (see `isWeakWord`): enough to prefer the FAQ that asks "How long
 * does delivery take?" for "how long does delivery take", too little to make a passage that has
 * only weak terms outrank one that has the question's subject. Weak terms don't count in coverage.
 */
const WEAK_TERM_WEIGHT = 0.3;

type QuestionTerm = { term: string; weak: boolean };

/**
 * A question is a sentence or two. Of a longer message (a pasted email) only the first this many
 * informative words are looked up, which bounds the typo search: a 4,000-character message of
 * unknown words costs a few milliseconds, not hundreds.
 */
const MAX_QUESTION_WORDS = 40;
/** Informative words at most this far apart may be the parts of one compound ("sätt [att] betala"). */
const COMPOUND_WORD_DISTANCE = 2;

/** What a passage's words come to, for the index: read-only, shared between requests. */
type AnalysedPassage = {
  language: TextLanguage;
  /** Term → how often the passage has it. */
  counts: Map<string, number>;
  /** How many informative words the passage has (BM25's document length). */
  length: number;
  /** Each informative word the passage uses → its term. */
  vocabulary: Map<string, string>;
};

type IndexedPassage = AnalysedPassage & { passage: Passage; key: string };

// Analysing a passage is most of the index's cost, and a store's passages are the same from one
// message to the next, so the analysis is memoised by title and text (knowledge, never customer
// data), and by its locale where known. Bounded: when full it starts afresh (dropping the oldest one at a time costs more, as
// V8's Map keeps deleted slots until it rehashes).
const ANALYSED_LIMIT = 5_000;
const analysedPassages = new Map<string, AnalysedPassage>();

function analysePassage(passage: Passage): AnalysedPassage {
  const text = `${passage.title}\n${passage.text}`;
  const key = `${passage.locale ?? ""}\n${text}`;
  const cached = analysedPassages.get(key);
  if (cached) return cached;
  // Title and text together: the title's words count for the passage, and a short FAQ answer's
  // language is clearer with its question.
  const { language, words: informative } = analyse(text, passage.locale ?? null);
  const counts = new Map<string, number>();
  const vocabulary = new Map<string, string>();
  for (const word of informative) {
    const t = term(word, language);
    counts.set(t, (counts.get(t) ?? 0) + 1);
    vocabulary.set(word, t);
  }
  const analysed = { language, counts, length: informative.length, vocabulary };
  if (analysedPassages.size >= ANALYSED_LIMIT) analysedPassages.clear();
  analysedPassages.set(key, analysed);
  return analysed;
}

/** Edits a typo may be away from a known word: none for short words, where one edit is another word. */
function allowedEdits(length: number): number {
  if (length <= 4) return 0;
  return length <= 8 ? 1 : 2;
}

class PassageIndex {
  private readonly docs: IndexedPassage[];
  private readonly documentFrequency = new Map<string, number>();
  /** Every informative word the passages use, with its term: where typos are looked up. */
  private readonly vocabulary = new Map<string, string>();
  private readonly averageLength: number;

  constructor(passages: Passage[]) {
    this.docs = passages.map((passage) => ({ ...analysePassage(passage), passage, key: `${passage.kind}:${passage.id}` }));
    for (const doc of this.docs) {
      for (const t of doc.counts.keys()) this.documentFrequency.set(t, (this.documentFrequency.get(t) ?? 0) + 1);
      for (const [word, t] of doc.vocabulary) this.vocabulary.set(word, t);
    }
    this.averageLength = this.docs.reduce((sum, doc) => sum + doc.length, 0) / Math.max(1, this.docs.length);
  }

  /** BM25's IDF (never negative). A term no passage has gets the highest IDF there is. */
  private idf(t: string): number {
    const n = this.documentFrequency.get(t) ?? 0;
    return Math.log(1 + (this.docs.length - n + 0.5) / (n + 0.5));
  }

  private known(t: string): boolean {
    return this.documentFrequency.has(t);
  }

  /**
   * The term of the passages' word nearest to a misspelt one: fewest edits, then commonest term.
   * Only words that share the first or the second letter are tried (a typo seldom changes both),
   * which keeps the search to a small part of the vocabulary.
   */
  private nearestTerm(word: string): string | null {
    const max = allowedEdits(word.length);
    if (max === 0) return null;
    let best: { term: string; distance: number; df: number } | null = null;
    for (const [candidate, t] of this.vocabulary) {
      if (candidate[0] !== word[0] && candidate[1] !== word[1]) continue;
      const distance = editDistance(word, candidate, max);
      if (distance > max) continue;
      const df = this.documentFrequency.get(t) ?? 0;
      if (!best || distance < best.distance || (distance === best.distance && df > best.df)) best = { term: t, distance, df };
    }
    return best?.term ?? null;
  }

  /**
   * A compound ("leveranstid", "leveringstid", "giftcards") as two known terms, with or without
   * the linking -s- of Swedish, Danish and Norwegian ("retur|s|etikett"; their linking -e- comes
   * off with the stem: "jule|gave"): parts of 3+ letters, the first split that works. In those
   * languages, where compounds are written as one word at will, one known part of 4+ letters is
   * enough ("maskin|tvätta", "merino|tröjan"): the other is a word the store never used.
   */
  private compoundParts(word: string, language: TextLanguage): string[] | null {
    let onePart: string | null = null;
    for (let cut = 3; cut <= word.length - 3; cut++) {
      const tailWord = word.slice(cut);
      const tail = term(tailWord, language);
      const heads = word[cut - 1] === "s" ? [word.slice(0, cut), word.slice(0, cut - 1)] : [word.slice(0, cut)];
      for (const head of heads) {
        const headTerm = term(head, language);
        const headKnown = head.length >= 3 && this.known(headTerm);
        if (headKnown && this.known(tail)) return [headTerm, tail];
        if (onePart || language === "en") continue;
        if (headKnown && head.length >= 4) onePart = headTerm;
        else if (this.known(tail) && tailWord.length >= 4) onePart = tail;
      }
    }
    return onePart ? [onePart] : null;
  }

  /**
   * A question word that the passages use only inside a compound ("sätt" in "betalsätt",
   * "present" in "presentkortet"): the compound's term, when exactly one passage word of 3+ more
   * letters begins or ends with it. Not in English, which writes its compounds apart.
   */
  private compoundHolding(word: string, language: TextLanguage): string | null {
    if (language === "en" || word.length < 4) return null;
    let found: string | null = null;
    for (const [candidate, t] of this.vocabulary) {
      if (candidate.length < word.length + 3 || !(candidate.startsWith(word) || candidate.endsWith(word))) continue;
      if (found !== null && found !== t) return null;
      found = t;
    }
    return found;
  }

  /**
   * A question word as the index's terms: its term; else its term in another language (a short
   * question may be mis-detected); else the term of the nearest word the passages use (a typo);
   * else the parts of a compound; else the one compound of the passages that holds it; else its
   * term as it is, unknown to the index, where it still counts against coverage.
   */
  private resolve(word: string, language: TextLanguage): string[] {
    const own = term(word, language);
    if (this.known(own)) return [own];
    for (const other of TEXT_LANGUAGES) {
      const t = other === language ? null : term(word, other);
      if (t && this.known(t)) return [t];
    }
    const nearest = this.nearestTerm(word);
    if (nearest) return [nearest];
    const parts = this.compoundParts(word, language);
    if (parts) return parts;
    const holding = this.compoundHolding(word, language);
    return holding ? [holding] : [own];
  }

  /**
   * Two question words the passages write as one compound ("sätt att betala" for "betalsätt",
   * "present kort" for "presentkort"): the compound's term, in either order, the first part
   * whole or stemmed ("betal|sätt"), with or without a linking -s-. Not in English, which
   * writes its compounds apart.
   */
  private compoundOf(first: string, second: string, language: TextLanguage): string | null {
    if (language === "en" || first.length < 3 || second.length < 3) return null;
    for (const [head, tail] of [
      [first, second],
      [second, first],
    ] as const) {
      for (const start of new Set([head, stem(head, language)])) {
        for (const link of ["", "s"]) {
          const t = term(`${start}${link}${tail}`, language);
          if (this.known(t)) return t;
        }
      }
    }
    return null;
  }

  /**
   * The question's terms, each once; weak only if every word that gave it is weak. Only the first
   * MAX_QUESTION_WORDS informative words count. Two words near each other that make a compound
   * of the passages count as that compound alone, a strong term even when one of them is weak
   * ("sätt"): otherwise a passage with just one of the parts ("betalar") covers the question
   * better than the one that says both.
   */
  private questionTerms(question: string, locale: Locale | null): QuestionTerm[] {
    const { language, words: analysed } = analyse(question, locale);
    const informative = analysed.slice(0, MAX_QUESTION_WORDS);
    const terms = new Map<string, boolean>();
    const joined = new Set<number>();
    informative.forEach((word, i) => {
      for (let j = i + 1; j <= i + COMPOUND_WORD_DISTANCE && j < informative.length && !joined.has(i); j++) {
        const compound = joined.has(j) ? null : this.compoundOf(word, informative[j]!, language);
        if (compound === null) continue;
        terms.set(compound, false);
        joined.add(i).add(j);
      }
    });
    informative.forEach((word, i) => {
      if (joined.has(i)) return;
      const weak = isWeakWord(word, language);
      for (const t of this.resolve(word, language)) terms.set(t, (terms.get(t) ?? true) && weak);
    });
    return [...terms].map(([t, weak]) => ({ term: t, weak }));
  }

  private bm25(doc: IndexedPassage, terms: QuestionTerm[]): number {
    let score = 0;
    const norm = 1 - B + (B * doc.length) / this.averageLength;
    for (const { term: t, weak } of terms) {
      const tf = doc.counts.get(t);
      if (tf) score += ((weak ? WEAK_TERM_WEIGHT : 1) * this.idf(t) * tf * (K1 + 1)) / (tf + K1 * norm);
    }
    return score;
  }

  /** The IDF-weighted share of the question's terms that the passage contains, weak ones aside: 0..1. */
  private coverage(doc: IndexedPassage, terms: QuestionTerm[]): number {
    let total = 0;
    let covered = 0;
    for (const { term: t, weak } of terms) {
      if (weak) continue;
      const weight = this.idf(t);
      total += weight;
      if (doc.counts.has(t)) covered += weight;
    }
    return total > 0 ? covered / total : 0;
  }

  rank(question: string, limit: number, locale: Locale | null): RankedPassage[] {
    const terms = this.questionTerms(question, locale);
    // Only weak words ("how long does it take?") leave nothing to look up.
    if (terms.every((t) => t.weak)) return [];
    const asked = textLanguageOf(words(question), locale);
    const scored = this.docs
      .map((doc) => ({
        doc,
        coverage: this.coverage(doc, terms),
        score: this.bm25(doc, terms) * (asked && otherLanguage(doc.language, asked) ? OTHER_LANGUAGE_FACTOR : 1),
      }))
      // A passage that shares only weak words with the question is no candidate at all.
      .filter((entry) => entry.coverage > 0)
      .sort((a, b) => b.score - a.score);
    return scored.slice(0, limit).map(({ doc, coverage, score }) => {
      // The runner-up is the best passage from another FAQ or article: an article's paragraphs
      // don't compete with each other.
      const rival = scored.find((entry) => entry.doc.key !== doc.key)?.score ?? 0;
      const margin = Math.max(0, (score - rival) / score);
      return { passage: doc.passage, score, confidence: coverage * (1 - MARGIN_WEIGHT + MARGIN_WEIGHT * margin) };
    });
  }
}

/**
 * The passages that best answer the question, by BM25, best first, at most `limit`: only those
 * that share a (not weak) term with it. Empty when the question has nothing to look up (a
 * greeting, "thanks", "?", "how long does it take?").
 *
 * confidence = coverage × (1 − 0.3 + 0.3 × margin), where
 * - coverage: the IDF-weighted share of the question's terms that the passage contains, weak
 *   terms ("how long", "take", "sell") aside. A word no passage has counts with the highest IDF
 *   there is, so a question about something the store's knowledge doesn't mention ("is the
 *   sweater in stock in XL?") stays low however well "sweater" matches.
 * - margin: how far the passage's BM25 score is ahead of the best passage from another FAQ or
 *   article, as a share of its own score (0 for a tie, and for anything but the top passage).
 * So 1 is a passage with every term of the question and no rival; 0.7 the same passage tied
 * with another; 0.5 a passage with about half of what was asked (IDF-weighted) and a clear lead.
 *
 * `locale`, the shopper's where known, tips the reading of the question's language when its
 * words leave it open (see `textLanguageOf`).
 */
export function rankPassages(question: string, passages: Passage[], limit: number, locale: Locale | null = null): RankedPassage[] {
  if (passages.length === 0 || limit <= 0) return [];
  return new PassageIndex(passages).rank(question, limit, locale);
}

/** Ranks passages for a question, best first: by words (`rankByWords`), or by words and meaning (semantic.ts). */
export type Ranker = (question: string, passages: Passage[], limit: number, locale: Locale | null) => Promise<RankedPassage[]>;

export const rankByWords: Ranker = async (question, passages, limit, locale) => rankPassages(question, passages, limit, locale);
