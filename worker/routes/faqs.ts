import { z } from "@hono/zod-openapi";
import { asc, max } from "drizzle-orm";
import { Faq } from "../contract";
import { faqs } from "../db/schema";
import { crudRoutes } from "../lib/crud";

const FaqInput = z
  .object({
    question: z.string().trim().min(1).max(500),
    answer: z.string().trim().min(1).max(4000),
    published: z.boolean(),
    position: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict()
  .openapi("FaqInput");

/** FAQs reach the widget, when published, in `position` order; a new one goes last. */
export const faqRoutes = crudRoutes({
  plural: "faqs",
  singular: "FAQ",
  idPrefix: "faq",
  table: faqs,
  input: FaqInput,
  output: Faq,
  orderBy: [asc(faqs.position), asc(faqs.createdAt)],
  toOutput: (row: typeof faqs.$inferSelect) => ({ id: row.id, question: row.question, answer: row.answer, published: row.published, position: row.position }),
  derive: async (database, input) => {
    if (input.position !== undefined) return {};
    const last = await database.select({ position: max(faqs.position) }).from(faqs).get();
    return { position: (last?.position ?? -1) + 1 };
  },
});
