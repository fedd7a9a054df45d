// The lists admins edit and agents read (FAQs, macros, knowledge-base articles): one store shape
// over their D1 tables, so all three behave the same way.
import { asc, eq, max, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { ArticleInputT, ArticleT, ArticleTranslationsT, FaqInputT, FaqT, FaqTranslationsT, MacroInputT, MacroT } from "../../contract";
import type { Db } from "../db/client";
import { articles, faqs, macros } from "../db/schema";
import { newId, nowIso } from "./ids";

type Table = SQLiteTable & { id: SQLiteColumn; createdAt: SQLiteColumn; updatedAt: SQLiteColumn };

export type ListStore<Input, Output> = {
  list(database: Db): Promise<Output[]>;
  create(database: Db, input: Input): Promise<Output>;
  /** Null when there is no such item. */
  update(database: Db, id: string, patch: Partial<Input>): Promise<Output | null>;
  remove(database: Db, id: string): Promise<boolean>;
};

function tableStore<Input extends object, Output, Row>(spec: {
  table: Table;
  idPrefix: string;
  orderBy: SQL[];
  toOutput: (row: Row) => Output;
  /** Values derived at creation, such as an FAQ's position at the end of the list. */
  derive?: (database: Db, input: Input) => Promise<Partial<Row>>;
}): ListStore<Input, Output> {
  const { table, toOutput } = spec;
  const rows = (result: unknown) => result as Row[];
  return {
    async list(database) {
      return rows(
        await database
          .select()
          .from(table)
          .orderBy(...spec.orderBy),
      ).map(toOutput);
    },
    async create(database, input) {
      const now = nowIso();
      const values = { id: newId(spec.idPrefix), ...input, ...(await spec.derive?.(database, input)), createdAt: now, updatedAt: now };
      const [row] = rows(
        await database
          .insert(table)
          .values(values as never)
          .returning(),
      );
      return toOutput(row!);
    },
    async update(database, id, patch) {
      const [row] = rows(
        await database
          .update(table)
          .set({ ...patch, updatedAt: nowIso() } as never)
          .where(eq(table.id, id))
          .returning(),
      );
      return row ? toOutput(row) : null;
    },
    async remove(database, id) {
      return (await database.delete(table).where(eq(table.id, id)).returning({ id: table.id })).length > 0;
    },
  };
}

/** FAQs reach the widget, when published, in `position` order; a new one goes last. */
export const faqStore = tableStore<FaqInputT, FaqT, typeof faqs.$inferSelect>({
  table: faqs,
  idPrefix: "faq",
  orderBy: [asc(faqs.position), asc(faqs.createdAt)],
  toOutput: (row) => ({
    id: row.id,
    question: row.question,
    answer: row.answer,
    published: row.published,
    position: row.position,
    translations: row.translations as FaqTranslationsT,
  }),
  derive: async (database, input) => {
    if (input.position !== undefined) return {};
    const last = await database
      .select({ position: max(faqs.position) })
      .from(faqs)
      .get();
    return { position: (last?.position ?? -1) + 1 };
  },
});

export const macroStore = tableStore<MacroInputT, MacroT, typeof macros.$inferSelect>({
  table: macros,
  idPrefix: "mac",
  orderBy: [asc(macros.name)],
  toOutput: (row) => ({ id: row.id, name: row.name, body: row.body }),
});

/** The knowledge base the AI agent answers from, beside the published FAQs. */
export const articleStore = tableStore<ArticleInputT, ArticleT, typeof articles.$inferSelect>({
  table: articles,
  idPrefix: "art",
  orderBy: [asc(articles.title)],
  toOutput: (row) => ({ id: row.id, title: row.title, body: row.body, translations: row.translations as ArticleTranslationsT, updatedAt: row.updatedAt }),
});
