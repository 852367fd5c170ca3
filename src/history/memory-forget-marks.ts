/**
 * The memory store's forget marks (`forgetScope`): per scope, the time before which its turns leave nothing.
 * They expire with retention like a session, restarted by `raise` and `renew`, as the Redis mark key.
 */
export interface MemoryForgetMarks {
  /** The scope's mark, 0 if none (or expired). */
  get(scopeId: string): number;
  /** Raises the scope's mark to `before` (never lowers it) and restarts its retention clock. */
  raise(scopeId: string, before: number): void;
  /** Restarts the retention clock of the scope's mark, if it has one. */
  renew(scopeId: string): void;
  /** Drops every expired mark. */
  sweep(): void;
}

/** No marks yet; `ttlMs` 0 keeps them forever. */
export function createMemoryForgetMarks(ttlMs: number, now: () => number): MemoryForgetMarks {
  const marks = new Map<string, { before: number; expiresAt: number }>();
  const expiry = () => (ttlMs > 0 ? now() + ttlMs : Number.POSITIVE_INFINITY);
  const live = (scopeId: string) => {
    const mark = marks.get(scopeId);
    if (mark && now() >= mark.expiresAt) {
      marks.delete(scopeId);
      return undefined;
    }
    return mark;
  };
  return {
    get: (scopeId) => live(scopeId)?.before ?? 0,
    raise(scopeId, before) {
      marks.set(scopeId, { before: Math.max(before, live(scopeId)?.before ?? 0), expiresAt: expiry() });
    },
    renew(scopeId) {
      const mark = live(scopeId);
      if (mark) mark.expiresAt = expiry();
    },
    sweep() {
      for (const scopeId of [...marks.keys()]) live(scopeId);
    },
  };
}
