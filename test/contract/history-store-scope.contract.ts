import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryStore, SessionMeta, StoredMessage } from '../../src/history/history-store.ts';
import { extraStores, type HistoryStoreFactory } from './history-store.contract.ts';

/*
 * The scope half of the HistoryStore contract (run by `historyStoreContract` for every implementation): a
 * channel-level session outlives none of its conversations under retention, and `forgetScope` leaves nothing
 * of a channel's past behind, not even from a turn that was still in flight when it ran.
 */

const emptyMeta: SessionMeta = {
  usage: { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 },
  lastActiveAt: 0,
  historyTokens: 0,
};

let written = 1_700_000_000_000;
function message(content: string): StoredMessage {
  written += 1;
  return { role: 'user', content, author: { id: 'U1', name: 'Ada' }, at: written, tokens: 3 };
}

const usage = { promptTokens: 5, completionTokens: 5, costUsd: 0.1 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function historyStoreScopeContract(name: string, factory: HistoryStoreFactory): void {
  describe(`HistoryStore contract (scopes): ${name}`, () => {
    const scope = 'slack:T:C';
    const thread = 'slack:T:C:1.1';
    const otherThread = 'slack:T:C:2.2';
    const elsewhere = 'slack:T:C2:3.3';
    let store: HistoryStore;
    const extra = extraStores(factory);
    const open = extra.open;
    const contents = async (sessionId: string) => (await store.load(sessionId)).map((m) => m.content);

    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
      await extra.closeAll();
    });

    describe('forgetScope', () => {
      it('marks the scope, then forgets its own session and every session under it, keeping their seqs', async () => {
        await store.setMeta(scope, { persona: 'pirate' });
        await store.commitTurn(scope, { seq: 4, messages: [message('top')], usage });
        await store.commitTurn(thread, { seq: 2, messages: [message('a')], usage, scopeId: scope });
        await store.commitTurn(otherThread, { seq: 1, messages: [message('b')], scopeId: scope });
        await store.commitTurn(elsewhere, { seq: 1, messages: [message('c')], scopeId: 'slack:T:C2' });
        expect(await store.scopeForgottenBefore(scope)).toBe(0);

        expect(await store.forgetScope(scope, { before: 5_000 })).toEqual([scope, thread, otherThread]);
        expect(await store.scopeForgottenBefore(scope)).toBe(5_000);
        for (const [sessionId, seq] of [
          [scope, 4],
          [thread, 2],
          [otherThread, 1],
        ] as const) {
          expect(await store.load(sessionId)).toEqual([]);
          expect(await store.getMeta(sessionId)).toEqual(emptyMeta);
          expect(await store.committedSeq(sessionId)).toBe(seq);
        }
        expect(await store.sessionsInScope(scope)).toEqual([]);
        expect((await store.listSessions()).map((listing) => listing.sessionId)).toEqual([elsewhere]);
        // Other scopes, and the threads' own marks, are untouched.
        expect(await contents(elsewhere)).toEqual(['c']);
        expect(await store.scopeForgottenBefore('slack:T:C2')).toBe(0);
        expect(await store.scopeForgottenBefore(thread)).toBe(0);
      });

      it('can run again after an interruption, and never moves the mark back', async () => {
        await store.commitTurn(thread, { seq: 1, messages: [message('a')], scopeId: scope });
        await store.commitTurn(otherThread, { seq: 1, messages: [message('b')], scopeId: scope });
        // A run cut short after the mark and the first session leaves the rest for the next run.
        await store.forget(thread);
        expect(await store.forgetScope(scope, { before: 5_000 })).toEqual([otherThread]);
        expect(await store.forgetScope(scope, { before: 5_000 })).toEqual([]);
        expect(await store.sessionsInScope(scope)).toEqual([]);
        expect(await store.forgetScope(scope, { before: 3_000 })).toEqual([]);
        expect(await store.scopeForgottenBefore(scope)).toBe(5_000);
        await store.forgetScope(scope, { before: 7_000 });
        expect(await store.scopeForgottenBefore(scope)).toBe(7_000);
        for (const before of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
          await expect(store.forgetScope(scope, { before })).rejects.toThrow(RangeError);
        }
        expect(await store.scopeForgottenBefore(scope)).toBe(7_000);
        expect(await store.forgetScope('slack:T:never', { before: 1 })).toEqual([]);
      });

      it('a commit of a turn received before the mark keeps nothing but its seq; later turns commit', async () => {
        expect(
          await store.commitTurn(thread, {
            seq: 1,
            messages: [message('a')],
            scopeId: scope,
            receivedAt: 1_000,
          }),
        ).toBe(true);
        await store.forgetScope(scope, { before: 5_000 });
        // A turn still in flight while the channel was forgotten commits afterwards.
        const late = { seq: 2, messages: [message('late')], usage, scopeId: scope, receivedAt: 4_999 };
        expect(await store.commitTurn(thread, late)).toBe(false);
        expect(await store.load(thread)).toEqual([]);
        expect(await store.getMeta(thread)).toEqual(emptyMeta);
        expect(await store.committedSeq(thread)).toBe(2);
        expect(await store.sessionsInScope(scope)).toEqual([]);
        expect(await store.listSessions()).toEqual([]);
        expect(await store.commitTurn(thread, late)).toBe(false);
        // The scope's own session is its own scope.
        expect(await store.commitTurn(scope, { seq: 1, messages: [message('top')], receivedAt: 4_000 })).toBe(
          false,
        );
        expect(await store.load(scope)).toEqual([]);
        expect(await store.committedSeq(scope)).toBe(1);

        // Received at or after the mark, or not checked (no receipt time), or in another scope: kept.
        const fresh = { seq: 3, messages: [message('fresh')], scopeId: scope, receivedAt: 5_000 };
        expect(await store.commitTurn(thread, fresh)).toBe(true);
        expect(
          await store.commitTurn(otherThread, { seq: 1, messages: [message('b')], scopeId: scope }),
        ).toBe(true);
        expect(
          await store.commitTurn(elsewhere, {
            seq: 1,
            messages: [message('c')],
            scopeId: 'slack:T:C2',
            receivedAt: 1,
          }),
        ).toBe(true);
        expect(await contents(thread)).toEqual(['fresh']);
        expect(await store.sessionsInScope(scope)).toEqual([thread, otherThread]);
        await expect(
          store.commitTurn(thread, {
            seq: 4,
            messages: [message('x')],
            scopeId: scope,
            receivedAt: Number.NaN,
          }),
        ).rejects.toThrow(RangeError);
        expect(await store.committedSeq(thread)).toBe(3);
      });
    });

    describe('retention', () => {
      it("commits under a scope keep the scope's session (its persona) and forget mark alive", async () => {
        // Redis expires keys on its own clock, so the TTL is short and real; memory follows the given clock.
        let time = 1_750_000_000_000;
        const retained = await open({ now: () => time, historyTtlMs: 2_000 });
        const pass = async (ms: number) => {
          time += ms;
          await sleep(ms);
        };
        await retained.forgetScope(scope, { before: 1_000 });
        await retained.setMeta(scope, { persona: 'pirate' });
        await retained.commitTurn(thread, { seq: 1, messages: [message('a')], scopeId: scope });
        await pass(1_200);
        await retained.commitTurn(thread, { seq: 2, messages: [message('b')], scopeId: scope });
        await pass(1_200);
        // Past the retention period since the persona was set, but not since the thread last spoke.
        expect((await retained.getMeta(scope)).persona).toBe('pirate');
        expect(await retained.scopeForgottenBefore(scope)).toBe(1_000);
        expect(await retained.sessionsInScope(scope)).toEqual([scope, thread]);
        await pass(900);
        await vi.waitFor(
          async () => {
            expect(await retained.getMeta(scope)).toEqual(emptyMeta);
            expect(await retained.scopeForgottenBefore(scope)).toBe(0);
            expect(await retained.count(thread)).toBe(0);
          },
          { timeout: 5_000, interval: 50 },
        );
      });

      it('a commit under a scope creates nothing for a scope that holds nothing', async () => {
        let time = 1_750_000_000_000;
        const retained = await open({ now: () => time, historyTtlMs: 60_000 });
        await retained.commitTurn(thread, { seq: 1, messages: [message('a')], scopeId: scope });
        time += 1;
        expect(await retained.sessionsInScope(scope)).toEqual([thread]);
        expect(await retained.getMeta(scope)).toEqual(emptyMeta);
        expect(await retained.scopeForgottenBefore(scope)).toBe(0);
      });
    });
  });
}
