import { z } from "@hono/zod-openapi";
import { asc } from "drizzle-orm";
import { Article } from "../contract";
import { articles } from "../db/schema";
import { crudRoutes } from "../lib/crud";

const ArticleInput = z
  .object({ title: z.string().trim().min(1).max(300), body: z.string().trim().min(1).max(50_000) })
  .strict()
  .openapi("ArticleInput");

/** The knowledge base the AI agent answers from, beside the published FAQs. */
export const articleRoutes = crudRoutes({
  plural: "articles",
  singular: "article",
  idPrefix: "art",
  table: articles,
  input: ArticleInput,
  output: Article,
  orderBy: [asc(articles.title)],
  toOutput: (row: typeof articles.$inferSelect) => ({ id: row.id, title: row.title, body: row.body, updatedAt: row.updatedAt }),
});
