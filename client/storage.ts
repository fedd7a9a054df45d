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

/** `backing` is asked each time: merely naming `sessionStorage` throws where storage is blocked. */
export function prefixedStorage(prefix: string, backing: () => Storage): KeyValueStore {
  const storage = (): Storage | null => {
    try {
      return backing();
    } catch {
      return null;
    }
  };
  return {
    read<T>(key: string): T | null {
      try {
        const raw = storage()?.getItem(prefix + key);
        return raw == null ? null : (JSON.parse(raw) as T);
      } catch {
        return null;
      }
    },
    write(key: string, value: unknown): void {
      try {
        if (value === null || value === undefined) storage()?.removeItem(prefix + key);
        else storage()?.setItem(prefix + key, JSON.stringify(value));
      } catch {
        // Storage full or blocked: this page view still works.
      }
    },
    clearAll(under = ""): void {
      try {
        const store = storage();
        for (const key of Object.keys(store ?? {})) if (key.startsWith(prefix + under)) store?.removeItem(key);
      } catch {
        // blocked storage holds nothing to clear
      }
    },
  };
}
