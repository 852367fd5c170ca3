/** A bounded set that forgets its oldest entries: enough to drop obvious duplicates without growing forever. */
export interface RecentSet {
  /** Whether the key was added and not yet forgotten. */
  has(key: string): boolean;
  /** Adds (or refreshes) a key, forgetting the oldest one when full. */
  add(key: string): void;
  /** Forgets a key (e.g. when handling it failed and a redelivery should be processed). */
  delete(key: string): void;
  /** Forgets everything. */
  clear(): void;
}

/** A `RecentSet` of at most `capacity` keys (a `Map` keeps insertion order, so the first key is the oldest). */
export function createRecentSet(capacity: number): RecentSet {
  const keys = new Map<string, true>();
  return {
    has: (key) => keys.has(key),
    add(key) {
      keys.delete(key);
      keys.set(key, true);
      if (keys.size > capacity) keys.delete(keys.keys().next().value!);
    },
    delete: (key) => void keys.delete(key),
    clear: () => keys.clear(),
  };
}
