import { describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../../../src/history/memory-history-store.ts';
import { withTurnReads } from '../../../../src/turn/phases/turn-reads.ts';

/** A memory store that counts its `getMeta` calls, and fails the next ones when told. */
function countingStore() {
  const store = createMemoryHistoryStore();
  const counts = { getMeta: 0, failNext: 0 };
  const counted: HistoryStore = Object.assign(Object.create(store) as HistoryStore, {
    getMeta: (sessionId: string) => {
      counts.getMeta += 1;
      if (counts.failNext > 0) {
        counts.failNext -= 1;
        return Promise.reject(new Error('Redis went away'));
      }
      return store.getMeta(sessionId);
    },
  });
  return { store: counted, counts };
}

describe('withTurnReads', () => {
  it("reads each session's meta once for the turn, whatever the phases ask", async () => {
    const { store, counts } = countingStore();
    await store.setMeta('console:s', { persona: 'a pirate' });
    const turn = withTurnReads(store);
    const [first, second] = await Promise.all([turn.getMeta('console:s'), turn.getMeta('console:s')]);
    expect((await turn.getMeta('console:scope')).persona).toBeUndefined();
    expect(first.persona).toBe('a pirate');
    expect(second).toBe(first);
    expect(counts.getMeta).toBe(2);
    // Reads of other kinds keep what is held.
    await turn.load('console:s');
    await turn.committedSeq('console:s');
    await turn.getMeta('console:s');
    expect(counts.getMeta).toBe(2);
  });

  it('reads again after the turn wrote anything, so it never sees its own meta stale', async () => {
    const { store, counts } = countingStore();
    const turn = withTurnReads(store);
    expect((await turn.getMeta('console:s')).persona).toBeUndefined();
    await turn.setMeta('console:s', { persona: 'a poet' });
    expect((await turn.getMeta('console:s')).persona).toBe('a poet');
    expect(counts.getMeta).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const { store, counts } = countingStore();
    counts.failNext = 1;
    const turn = withTurnReads(store);
    await expect(turn.getMeta('console:s')).rejects.toThrow('Redis went away');
    expect((await turn.getMeta('console:s')).persona).toBeUndefined();
    expect(counts.getMeta).toBe(2);
  });

  it('holds nothing across turns: each turn gets its own view', async () => {
    const { store, counts } = countingStore();
    await withTurnReads(store).getMeta('console:s');
    await store.setMeta('console:s', { persona: 'a judge' });
    expect((await withTurnReads(store).getMeta('console:s')).persona).toBe('a judge');
    expect(counts.getMeta).toBe(2);
  });
});
