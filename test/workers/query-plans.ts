// What the query-plan tests share (query-plan, search-plan, reports-plan): a query as drizzle
// renders it, and SQLite's plan for it in the test's D1.
import { env } from "cloudflare:workers";

export type PlanRow = { id: number; parent: number; notused: number; detail: string };
export type Query = { sql: string; params: unknown[] };

export async function planRows({ sql, params }: Query): Promise<PlanRow[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<PlanRow>();
  return results;
}

/** The plan's steps, as text. */
export async function planSteps(query: Query): Promise<string[]> {
  return (await planRows(query)).map((row) => row.detail);
}
