import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

export type Db = DrizzleD1Database;

// One drizzle instance per binding: the binding lives as long as the isolate. No schema is
// passed, because Parley writes its queries with the query builder, not the relational API,
// and building the relational config costs CPU on every construction.
const instances = new WeakMap<D1Database, Db>();

export function db(d1: D1Database): Db {
  let instance = instances.get(d1);
  if (!instance) instances.set(d1, (instance = drizzle(d1)));
  return instance;
}
