import type { HistoryStore } from '../../history/history-store.ts';

/** Store methods that change nothing: calling them keeps what was memoised. */
const READS = new Set<PropertyKey>([
  'load',
  'loadOldest',
  'count',
  'getMeta',
  'committedSeq',
  'listSessions',
  'sessionsInScope',
  'scopeForgottenBefore',
  'isFollowed',
  'loadImages',
]);

/**
 * The store as one turn sees it: the session's and its channel's meta, which several phases read (the
 * conversation's model, the persona, the tool switches), come from one read each, held until the turn writes
 * anything through the store. Built per turn, so nothing is held beyond it.
 */
export function withTurnReads(store: HistoryStore): HistoryStore {
  const metas = new Map<string, ReturnType<HistoryStore['getMeta']>>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'getMeta') {
        return (sessionId: string) => {
          let meta = metas.get(sessionId);
          if (meta === undefined) {
            meta = target.getMeta(sessionId);
            metas.set(sessionId, meta);
            // A failed read is not kept: the next phase asks again.
            meta.catch(() => metas.delete(sessionId));
          }
          return meta;
        };
      }
      if (READS.has(property)) return value.bind(target);
      return (...args: unknown[]) => {
        metas.clear();
        return (value as (...all: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
