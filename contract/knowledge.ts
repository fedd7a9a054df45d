// What the store knows and publishes (Parley extension beyond the FAQ list): FAQs, the AI's
// knowledge-base articles, and their versions in the shopper languages Parley ships.
import { z } from "@hono/zod-openapi";
import { MAX_BODY_CHARS } from "./limits";
import { isoTime } from "./models";
import { perLocale } from "./per-locale";

const faqQuestion = z.string().trim().min(1).max(500);
const faqAnswer = z.string().trim().min(1).max(MAX_BODY_CHARS);
const articleTitle = z.string().trim().min(1).max(300);
const articleBody = z.string().trim().min(1).max(50_000);

export const FaqTranslations = perLocale(z.object({ question: faqQuestion, answer: faqAnswer }).strict()).openapi("FaqTranslations", {
  description: "The FAQ in shoppers' languages, by locale (en, sv, da, nb, fi, de, fr, es, nl): shoppers and the AI agent read it in theirs where set.",
});
export const ArticleTranslations = perLocale(z.object({ title: articleTitle, body: articleBody }).strict()).openapi("ArticleTranslations", {
  description: "The article in shoppers' languages, by locale: the AI agent answers from the shopper's where set.",
});

export const Faq = z
  .object({ id: z.string(), question: z.string(), answer: z.string(), published: z.boolean(), position: z.number().int(), translations: FaqTranslations })
  .openapi("Faq");

/** A knowledge-base article the AI agent answers from (Parley extension). */
export const Article = z
  .object({ id: z.string(), title: z.string(), body: z.string(), translations: ArticleTranslations, updatedAt: isoTime })
  .openapi("Article");

export const FaqInput = z
  .object({
    question: faqQuestion,
    answer: faqAnswer,
    published: z.boolean(),
    position: z.number().int().min(0).max(1_000_000).optional(),
    translations: FaqTranslations.optional().openapi({ description: "Replaces every translation of the FAQ." }),
  })
  .strict()
  .openapi("FaqInput");

export const ArticleInput = z
  .object({
    title: articleTitle,
    body: articleBody,
    translations: ArticleTranslations.optional().openapi({ description: "Replaces every translation of the article." }),
  })
  .strict()
  .openapi("ArticleInput");

export type FaqT = z.infer<typeof Faq>;
export type ArticleT = z.infer<typeof Article>;
export type FaqTranslationsT = z.infer<typeof FaqTranslations>;
export type ArticleTranslationsT = z.infer<typeof ArticleTranslations>;
