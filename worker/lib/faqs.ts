// The FAQs shoppers see: the published ones, in the order admins set, in the shopper's language
// where the FAQ has it.
import { asc, eq } from "drizzle-orm";
import type { FaqTranslationsT, Locale } from "../../contract";
import type { Db } from "../db/client";
import { faqs } from "../db/schema";

export async function publishedFaqs(database: Db, locale: Locale | null) {
  const rows = await database
    .select({ id: faqs.id, question: faqs.question, answer: faqs.answer, translations: faqs.translations })
    .from(faqs)
    .where(eq(faqs.published, true))
    .orderBy(asc(faqs.position), asc(faqs.createdAt));
  return rows.map(({ id, question, answer, translations }) => {
    const translated = locale ? (translations as FaqTranslationsT)[locale] : undefined;
    return { id, ...(translated ?? { question, answer }) };
  });
}
