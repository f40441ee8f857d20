/**
 * A map with a size cap (least recently used goes first) whose entries lapse at their own
 * deadline. Reads are synchronous and O(1): this is what keeps a JWT's warm path a lookup.
 */
export interface ExpiringLru<V> {
  get(key: string, nowMs: number): V | undefined;
  set(key: string, value: V, expiresAtMs: number): void;
  clear(): void;
  readonly size: number;
}

export function createExpiringLru<V>(maxEntries: number): ExpiringLru<V> {
  const entries = new Map<string, { value: V; expiresAtMs: number }>();
  return {
    get(key, nowMs) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (nowMs >= entry.expiresAtMs) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, expiresAtMs) {
      entries.delete(key);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(key, { value, expiresAtMs });
    },
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
