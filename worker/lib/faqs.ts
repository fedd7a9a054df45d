// The FAQs shoppers see: the published ones, in the order admins set.
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { faqs } from "../db/schema";

export function publishedFaqs(database: Db) {
  return database
    .select({ id: faqs.id, question: faqs.question, answer: faqs.answer })
    .from(faqs)
    .where(eq(faqs.published, true))
    .orderBy(asc(faqs.position), asc(faqs.createdAt));
}
