/** Opaque ids: a readable prefix and 128 random bits. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

export const nowIso = () => new Date().toISOString();
