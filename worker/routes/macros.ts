import { z } from "@hono/zod-openapi";
import { asc } from "drizzle-orm";
import { Macro } from "../contract";
import { macros } from "../db/schema";
import { crudRoutes } from "../lib/crud";

const MacroInput = z
  .object({ name: z.string().trim().min(1).max(200), body: z.string().trim().min(1).max(4000) })
  .strict()
  .openapi("MacroInput");

export const macroRoutes = crudRoutes({
  plural: "macros",
  singular: "macro",
  idPrefix: "mac",
  table: macros,
  input: MacroInput,
  output: Macro,
  orderBy: [asc(macros.name)],
  toOutput: (row: typeof macros.$inferSelect) => ({ id: row.id, name: row.name, body: row.body }),
});
