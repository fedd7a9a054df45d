// Admin-editable lists (FAQs, macros): one router shape, so both behave the same way.
// Agents read; admins create, edit and delete.
import { createRoute, z } from "@hono/zod-openapi";
import { eq, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { db, type Db } from "../db/client";
import { requireAdmin, requireAgent } from "../middleware/auth";
import { notFound } from "./errors";
import { newId, nowIso } from "./ids";
import { agentAuth, errors, json, jsonBody } from "./openapi";
import { router } from "./router";

type Table = SQLiteTable & { id: SQLiteColumn; createdAt: SQLiteColumn; updatedAt: SQLiteColumn };

export type CrudSpec<Input extends z.ZodObject, Output extends z.ZodObject, Row> = {
  /** Path segment and list key, e.g. "faqs". */
  plural: string;
  /** Human name for messages, e.g. "FAQ". */
  singular: string;
  idPrefix: string;
  table: Table;
  input: Input;
  output: Output;
  orderBy: SQL[];
  toOutput: (row: Row) => z.infer<Output>;
  /** Values derived at creation, such as an FAQ's position at the end of the list. */
  derive?: (database: Db, input: z.infer<Input>) => Promise<Partial<Row>>;
};

export function crudRoutes<Input extends z.ZodObject, Output extends z.ZodObject, Row>(spec: CrudSpec<Input, Output, Row>) {
  const { plural, singular, table } = spec;
  const routes = router();
  const base = `/${plural}`;
  const IdParam = z.object({ id: z.string().min(1).max(100) });
  const Patch = spec.input
    .partial()
    .refine((patch) => Object.keys(patch).length > 0, "name at least one field to change")
    .openapi(`${singular}Patch`);
  const tags = [plural];
  const rows = (result: unknown) => result as Row[];

  routes.use(base, requireAgent);
  routes.use(`${base}/*`, requireAgent);

  routes.openapi(
    createRoute({
      method: "get",
      path: base,
      tags,
      summary: `All ${plural}`,
      security: agentAuth,
      responses: { 200: json(z.object({ [plural]: z.array(spec.output) }), singular), 401: errors[401] },
    }),
    async (c) => {
      const found = rows(await db(c.env.DB).select().from(table).orderBy(...spec.orderBy));
      return c.json({ [plural]: found.map(spec.toOutput) }, 200);
    },
  );

  routes.openapi(
    createRoute({
      method: "post",
      path: base,
      tags,
      summary: `Add a ${singular} (admins)`,
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { body: jsonBody(spec.input, singular) },
      responses: { 201: json(spec.output, "Created"), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const database = db(c.env.DB);
      // Generic over the spec's schema, so the validated body's type is the spec's own.
      const input = (c.req.valid as (target: "json") => unknown)("json") as z.infer<Input>;
      const now = nowIso();
      const values = { id: newId(spec.idPrefix), ...input, ...(await spec.derive?.(database, input)), createdAt: now, updatedAt: now };
      const [row] = rows(await database.insert(table).values(values as never).returning());
      return c.json(spec.toOutput(row!), 201);
    },
  );

  routes.openapi(
    createRoute({
      method: "patch",
      path: `${base}/{id}`,
      tags,
      summary: `Change a ${singular} (admins)`,
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { params: IdParam, body: jsonBody(Patch, "The fields to change") },
      responses: { 200: json(spec.output, "Updated"), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const changes = { ...((c.req.valid as (target: "json") => object)("json")), updatedAt: nowIso() };
      const [row] = rows(await db(c.env.DB).update(table).set(changes as never).where(eq(table.id, c.req.valid("param").id)).returning());
      if (!row) throw notFound(singular);
      return c.json(spec.toOutput(row), 200);
    },
  );

  routes.openapi(
    createRoute({
      method: "delete",
      path: `${base}/{id}`,
      tags,
      summary: `Delete a ${singular} (admins)`,
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deleted = await db(c.env.DB).delete(table).where(eq(table.id, c.req.valid("param").id)).returning({ id: table.id });
      if (deleted.length === 0) throw notFound(singular);
      return c.body(null, 204);
    },
  );

  return routes;
}
