// The one cache helper (worker/lib/cache.ts): loads once per period, shares a load in flight,
// and answers without waiting with what it last knew while it loads a fresh value.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Cached, ExpiringMap } from "../../worker/lib/cache";

/** A load whose answers the test releases one at a time. */
function controlledLoad() {
  const pending: Array<{ resolve: (value: number) => void; reject: (error: Error) => void }> = [];
  const load = vi.fn(() => new Promise<number>((resolve, reject) => pending.push({ resolve, reject })));
  return { load, pending };
}

describe("Cached", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("loads once for every caller while a load is in flight, and not again until the period ends", async () => {
    const { load, pending } = controlledLoad();
    const cached = new Cached(10_000, load);
    const callers = Promise.all([cached.get(), cached.get(), cached.get()]);
    pending[0]!.resolve(7);
    expect(await callers).toEqual([7, 7, 7]);
    vi.advanceTimersByTime(9_999);
    expect(await cached.get()).toBe(7);
    expect(load).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    const reloaded = cached.get();
    pending[1]!.resolve(8);
    expect(await reloaded).toBe(8);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("now(): undefined before the first load ends, then the value, and the old value while a fresh one loads", async () => {
    const { load, pending } = controlledLoad();
    const cached = new Cached(10_000, load);
    expect(cached.now()).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(1);
    expect(cached.now()).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(1);
    pending[0]!.resolve(1);
    await vi.waitFor(() => expect(cached.now()).toBe(1));
    vi.advanceTimersByTime(10_000);
    expect(cached.now()).toBe(1);
    expect(load).toHaveBeenCalledTimes(2);
    pending[1]!.resolve(2);
    await vi.waitFor(() => expect(cached.now()).toBe(2));
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("keeps the last value after a failed load, and tries again on the next call", async () => {
    const { load, pending } = controlledLoad();
    const cached = new Cached(10_000, load);
    const first = cached.get();
    pending[0]!.resolve(1);
    await first;
    vi.advanceTimersByTime(10_000);
    const failing = cached.get();
    pending[1]!.reject(new Error("D1 is down"));
    await expect(failing).rejects.toThrow("D1 is down");
    expect(cached.stale()).toBe(1);
    expect(cached.now()).toBe(1);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("clear(): the next reader loads at once", async () => {
    const { load, pending } = controlledLoad();
    const cached = new Cached(10_000, load);
    const first = cached.get();
    pending[0]!.resolve(1);
    await first;
    cached.clear();
    expect(cached.now()).toBeUndefined();
    pending[1]!.resolve(2);
    expect(await cached.get()).toBe(2);
  });
});

describe("ExpiringMap", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("forgets an entry at its expiry, and the oldest entry when full", () => {
    const map = new ExpiringMap<string, number>(2);
    map.set("a", 1, Date.now() + 100);
    map.set("b", 2, Date.now() + 1_000);
    vi.advanceTimersByTime(100);
    expect(map.get("a")).toBeUndefined();
    expect(map.get("b")).toBe(2);
    map.set("c", 3, Date.now() + 1_000);
    map.set("d", 4, Date.now() + 1_000);
    expect(map.get("b")).toBeUndefined();
    expect([map.get("c"), map.get("d")]).toEqual([3, 4]);
  });
});
