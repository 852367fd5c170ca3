import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryStore, StoredMessage } from '../../src/history/history-store.ts';
import type { HistoryStoreFactory } from './history-store.contract.ts';

/*
 * The import half of the HistoryStore contract: a history written whole by `replace` (`parley import`,
 * `parley fork`) is listed and belongs to its channel at once, as a committed turn would, not only after its
 * next turn.
 */

const NOW = 1_760_000_000_000;
const message = (content: string): StoredMessage => ({
  role: 'user',
  content,
  author: { id: 'U1', name: 'Ada' },
  at: NOW - 1_000,
  tokens: 3,
});

export function historyStoreImportContract(name: string, factory: HistoryStoreFactory): void {
  describe(`HistoryStore contract (imports): ${name}`, () => {
    let store: HistoryStore;
    let time = NOW;
    beforeEach(async () => {
      time = NOW;
      store = await factory({ now: () => time });
    });
    afterEach(async () => {
      await store.close();
    });

    it('lists an imported session as active at the import', async () => {
      await store.commitTurn('console:older', { seq: 1, messages: [message('older')] });
      time += 5_000;
      await store.replace('console:imported', [message('a'), message('b')]);
      expect(await store.listSessions()).toEqual([
        { sessionId: 'console:imported', lastActiveAt: NOW + 5_000 },
        { sessionId: 'console:older', lastActiveAt: NOW },
      ]);
      expect((await store.getMeta('console:imported')).lastActiveAt).toBe(NOW + 5_000);
    });

    it("puts it in the scope given, so the channel's forget deletes it", async () => {
      await store.replace('slack:T:C:1.1', [message('imported thread')], { scopeId: 'slack:T:C' });
      expect(await store.sessionsInScope('slack:T:C')).toEqual(['slack:T:C:1.1']);
      expect(await store.forgetScope('slack:T:C', { before: time })).toEqual(['slack:T:C:1.1']);
      expect(await store.count('slack:T:C:1.1')).toBe(0);
      expect(await store.listSessions()).toEqual([]);
    });

    it('keeps the scope a session was stored under when none is given, and moves it when another is', async () => {
      await store.commitTurn('slack:T:C:1.1', { seq: 1, messages: [message('turn')], scopeId: 'slack:T:C' });
      await store.replace('slack:T:C:1.1', [message('replaced')]);
      expect(await store.sessionsInScope('slack:T:C')).toEqual(['slack:T:C:1.1']);
      await store.replace('slack:T:C:1.1', [message('moved')], { scopeId: 'slack:T:C9' });
      expect(await store.sessionsInScope('slack:T:C')).toEqual([]);
      expect(await store.sessionsInScope('slack:T:C9')).toEqual(['slack:T:C:1.1']);
    });

    it('never makes a session a member of its own scope', async () => {
      await store.replace('slack:T:C', [message('channel')], { scopeId: 'slack:T:C' });
      expect(await store.sessionsInScope('slack:T:C')).toEqual(['slack:T:C']);
      expect(await store.forgetScope('slack:T:C', { before: time })).toEqual(['slack:T:C']);
    });
  });
}
