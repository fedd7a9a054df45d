// Browser storage under a prefix, JSON-encoded, that never throws: full or blocked storage
// just remembers nothing. The widget keeps its outbox under `parley:` in sessionStorage (it
// survives a reload and navigation within the tab, and two tabs never overwrite each other's);
// the inbox uses its own prefix, in both kinds of storage.
export type KeyValueStore = {
  read<T>(key: string): T | null;
  write(key: string, value: unknown): void;
  /** Forgets every key (or every key that starts with `under`). */
  clearAll(under?: string): void;
};

export function prefixedStorage(prefix: string, kind: "local" | "session"): KeyValueStore {
  const backing = (): Storage | null => {
    try {
      return kind === "local" ? localStorage : sessionStorage;
    } catch {
      return null;
    }
  };
  return {
    read<T>(key: string): T | null {
      try {
        const raw = backing()?.getItem(prefix + key);
        return raw == null ? null : (JSON.parse(raw) as T);
      } catch {
        return null;
      }
    },
    write(key: string, value: unknown): void {
      try {
        if (value === null || value === undefined) backing()?.removeItem(prefix + key);
        else backing()?.setItem(prefix + key, JSON.stringify(value));
      } catch {
        // Storage full or blocked: this page view still works.
      }
    },
    clearAll(under = ""): void {
      try {
        const store = backing();
        for (const key of Object.keys(store ?? {})) if (key.startsWith(prefix + under)) store?.removeItem(key);
      } catch {
        // blocked storage holds nothing to clear
      }
    },
  };
}
