// The widget's memory, under `parley:` keys. The outbox lives in sessionStorage: it survives a
// reload and navigation within the tab, and two tabs never overwrite each other's.
const PREFIX = "parley:";

export function read<T>(key: string): T | null {
  try {
    const raw = sessionStorage.getItem(PREFIX + key);
    return raw === null ? null : (JSON.parse(raw) as T);
  } catch {
    return null;
  }
}

export function write(key: string, value: unknown): void {
  try {
    if (value === null || value === undefined) sessionStorage.removeItem(PREFIX + key);
    else sessionStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or blocked: the widget still works for this page view.
  }
}

export function clearAll(): void {
  try {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
  } catch {
    // blocked storage holds nothing to clear
  }
}
