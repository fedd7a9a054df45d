// Values read at most once per period, shared by every request and object in an isolate: the
// store's settings, its webhook endpoints, the AI's knowledge, verified sessions.

/** One value, loaded again once it is older than `ttlMs`; callers arriving during a load share it. */
export class Cached<T> {
  private value: { data: T; until: number } | undefined;
  private loading: Promise<T> | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly load: () => Promise<T>,
  ) {}

  private fresh(): T | undefined {
    return this.value && this.value.until > Date.now() ? this.value.data : undefined;
  }

  /**
   * The value without waiting: the fresh one, or the last one while a fresh one loads; undefined
   * until the first load ends (which this starts).
   */
  now(): T | undefined {
    if (this.fresh() === undefined) void this.get().catch(() => undefined);
    return this.value?.data;
  }

  /** The last value loaded, however old: what to go on with when a load fails. */
  stale(): T | undefined {
    return this.value?.data;
  }

  async get(): Promise<T> {
    const fresh = this.fresh();
    if (fresh !== undefined) return fresh;
    this.loading ??= this.load()
      .then((data) => {
        this.value = { data, until: Date.now() + this.ttlMs };
        return data;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Forgets the value: a change made here is seen at once by the next reader. */
  clear(): void {
    this.value = undefined;
  }
}

/** Values by key, each until its own expiry; at most `size` of them (the oldest goes first). */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();

  constructor(private readonly size: number) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: K, value: V, until: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}

/**
 * A Cached value per D1 database: in production there is one; tests give each file a database
 * of its own, and a value read from one must never answer for another.
 */
export function cachedPerDatabase<T, E extends { DB: D1Database } = { DB: D1Database }>(ttlMs: number, load: (env: E) => Promise<T>): (env: E) => Cached<T> {
  const caches = new WeakMap<D1Database, Cached<T>>();
  return (env) => {
    let cache = caches.get(env.DB);
    if (!cache) caches.set(env.DB, (cache = new Cached(ttlMs, () => load(env))));
    return cache;
  };
}
