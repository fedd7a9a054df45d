// The built-in answerer is tuned on the development questions (ai-questions.ts, and bench:ai's
// development split) and the knowledge (ai-knowledge.ts, the bench's FAQs); bench:ai scores it on
// a held-out test split that nobody tunes on. This keeps
// the split honest where it is easiest to break: a synonym added for a word only the test split
// uses would answer test questions by special case.
import { describe, expect, it } from "vitest";
import devQuestions from "../../bench/ai-eval/dev-questions.json";
import englishFaqs from "../../bench/ai-eval/faqs.en.json";
import swedishFaqs from "../../bench/ai-eval/faqs.sv.json";
import testQuestions from "../../bench/ai-eval/test-questions.json";
import { stem, SYNONYMS, words, type Language } from "../../worker/lib/ai/text";
import { ARTICLES, FAQS } from "./ai-knowledge";
import { DEVELOPMENT_QUESTIONS, QUESTIONS } from "./ai-questions";

const LANGUAGES = Object.keys(SYNONYMS) as Language[];

const stemsOf = (texts: string[], language: Language) => new Set(texts.flatMap((text) => words(text).map((word) => stem(word, language))));

describe("the evaluation split", () => {
  it.each(LANGUAGES)("every %s synonym a test question uses is one the development questions or the knowledge use too", (language) => {
    const development = stemsOf(
      [
        ...[...QUESTIONS, ...DEVELOPMENT_QUESTIONS].map((c) => c.question),
        ...devQuestions.filter((q) => q.language === language).map((q) => q.question),
        ...[...FAQS, ...englishFaqs, ...swedishFaqs].flatMap((f) => [f.question, f.answer]),
        ...ARTICLES.flatMap((a) => [a.title, a.body]),
      ],
      language,
    );
    const test = stemsOf(
      testQuestions.filter((q) => q.language === language).map((q) => q.question),
      language,
    );
    // The group's first word is the term the others map to: a test word stemming to it needs no synonym.
    const servingTestOnly = SYNONYMS[language].flatMap((group) =>
      group.slice(1).filter((word) => test.has(stem(word, language)) && !development.has(stem(word, language))),
    );
    expect(servingTestOnly).toEqual([]);
  });

  it("the test split has no question of the development sets", () => {
    const development = new Set([...QUESTIONS, ...DEVELOPMENT_QUESTIONS, ...devQuestions].map((c) => words(c.question).join(" ")));
    expect(testQuestions.filter((q) => development.has(words(q.question).join(" ")))).toEqual([]);
  });
});
