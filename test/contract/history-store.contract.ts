import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  HistoryStore,
  SessionMeta,
  StoredMessage,
  TurnCommit,
} from '../../src/history/history-store.ts';
import { historyStoreScopeContract } from './history-store-scope.contract.ts';

/** Options every store factory accepts (retention and an injectable clock). */
export interface HistoryStoreTestOptions {
  /** Current time, ms since epoch. */
  now?: () => number;
  /** Retention in days. */
  historyTtlDays?: number;
  /** Retention in ms (test-only). */
  historyTtlMs?: number;
  /** Largest image `putImage` keeps, in bytes. */
  maxImageBytes?: number;
}

/** Builds a fresh, empty store for one test; the suite closes it afterwards. */
export type HistoryStoreFactory = (options?: HistoryStoreTestOptions) => HistoryStore | Promise<HistoryStore>;

let clock = 1_700_000_000_000;

function message(content: string, tokens = 10, role: StoredMessage['role'] = 'user'): StoredMessage {
  clock += 1;
  return role === 'user'
    ? { role, content, author: { id: 'U1', name: 'Ada' }, at: clock, tokens }
    : { role, content, at: clock, tokens };
}

function numbered(count: number, tokens = 10): StoredMessage[] {
  return Array.from({ length: count }, (_, index) =>
    message(`m${index}`, tokens, index % 2 === 0 ? 'user' : 'assistant'),
  );
}

function contents(messages: StoredMessage[]): string[] {
  return messages.map((stored) => stored.content);
}

function tokensOf(messages: StoredMessage[]): number {
  return messages.reduce((sum, stored) => sum + stored.tokens, 0);
}

const HOUR = 3_600_000;

/** A clock the test moves by hand. */
function manualClock(start = 1_750_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

const emptyMeta: SessionMeta = {
  usage: { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 },
  lastActiveAt: 0,
  historyTokens: 0,
};

/** The behaviour every `HistoryStore` must have, run against each implementation. */
export function historyStoreContract(name: string, factory: HistoryStoreFactory): void {
  describe(`HistoryStore contract: ${name}`, () => {
    let store: HistoryStore;
    const sid = 'slack:T1:C1:1700000000.000100';
    const extra: HistoryStore[] = [];
    /** A further store with options (a clock, retention); closed after the test. */
    const open = async (options: HistoryStoreTestOptions) => {
      const opened = await factory(options);
      extra.push(opened);
      return opened;
    };

    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
      await Promise.all(extra.splice(0).map((opened) => opened.close()));
    });

    describe('messages', () => {
      it('returns nothing and counts zero for an unknown session', async () => {
        expect(await store.load('console:nobody')).toEqual([]);
        expect(await store.load('console:nobody', { maxTokens: 100, maxMessages: 5 })).toEqual([]);
        expect(await store.count('console:nobody')).toBe(0);
      });

      it('appends and loads oldest first, with every field intact', async () => {
        const first = numbered(3);
        const second = numbered(2);
        await store.append(sid, first);
        await store.append(sid, second);
        await store.append(sid, []);
        expect(await store.load(sid)).toEqual([...first, ...second]);
        expect(await store.count(sid)).toBe(5);
      });

      it('replaces the whole history, and replacing with nothing empties it', async () => {
        await store.append(sid, numbered(4));
        const summary = [message('compacted', 3, 'assistant')];
        await store.replace(sid, summary);
        expect(await store.load(sid)).toEqual(summary);
        await store.replace(sid, []);
        expect(await store.load(sid)).toEqual([]);
        expect(await store.count(sid)).toBe(0);
      });

      it('clear deletes history and summary but keeps persona, usage and committed seq', async () => {
        await store.commitTurn(sid, {
          seq: 1,
          messages: numbered(2),
          usage: { promptTokens: 5, completionTokens: 7, costUsd: 0.25 },
        });
        await store.setMeta(sid, { persona: 'a pirate', summary: 'they talked' });
        await store.clear(sid);
        expect(await store.load(sid)).toEqual([]);
        expect(await store.count(sid)).toBe(0);
        const meta = await store.getMeta(sid);
        expect(meta.summary).toBeUndefined();
        expect(meta.persona).toBe('a pirate');
        expect(meta.usage).toEqual({ promptTokens: 5, completionTokens: 7, costUsd: 0.25, calls: 1 });
        expect(await store.committedSeq(sid)).toBe(1);
        await store.clear('console:never-seen');
        expect(await store.count('console:never-seen')).toBe(0);
      });

      it('keeps order across many single appends mixed with commits', async () => {
        const expected: string[] = [];
        for (let index = 0; index < 300; index += 1) {
          const next = message(`n${index}`, 1);
          expected.push(next.content);
          if (index % 3 === 0) await store.commitTurn(sid, { seq: index + 1, messages: [next] });
          else await store.append(sid, [next]);
        }
        expect(contents(await store.load(sid))).toEqual(expected);
        expect(contents(await store.load(sid, { maxMessages: 7 }))).toEqual(expected.slice(-7));
      });

      it('round-trips unicode, emoji, NUL, lone surrogates, JSON-looking and very long content', async () => {
        const odd = [
          message('héllo wörld — ünïcödé ✓ 中文 العربية'),
          message('👩‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 family and flags'),
          message('before\u0000after\u0000'),
          message('lone \ud800 surrogate \udfff'),
          message('{"role":"assistant","content":"not really"}\n\t"quoted" \\ back\\slash'),
          message('', 0, 'assistant'),
          message('x'.repeat(300_000) + '🙂'.repeat(1000), 90_000),
        ];
        odd.push({ ...message('spaced author'), author: { id: 'U 2', name: 'Zoë "Z" 🐙' } });
        await store.append(sid, odd);
        expect(await store.load(sid)).toEqual(odd);
      });

      it('does not share stored state with callers (deep copies in and out)', async () => {
        const original = message('original');
        const batch = [original];
        await store.append(sid, batch);
        original.content = 'mutated after append';
        original.author!.name = 'Mallory';
        batch.push(message('pushed after append'));
        const loaded = await store.load(sid);
        loaded[0]!.content = 'mutated after load';
        loaded[0]!.author!.name = 'Eve';
        loaded.push(message('pushed after load'));
        const commit: TurnCommit = { seq: 1, messages: [message('committed')] };
        await store.commitTurn(sid, commit);
        commit.messages[0]!.content = 'mutated after commit';
        const again = await store.load(sid);
        expect(contents(again)).toEqual(['original', 'committed']);
        expect(again[0]!.author).toEqual({ id: 'U1', name: 'Ada' });
      });
    });

    describe('load limits', () => {
      it('maxTokens keeps the newest messages that fit and stops at the first that does not', async () => {
        const history = [
          message('a', 50),
          message('b', 5),
          message('c', 30),
          message('d', 40),
          message('e', 20),
        ];
        await store.append(sid, history);
        expect(contents(await store.load(sid, { maxTokens: 60 }))).toEqual(['d', 'e']);
        expect(contents(await store.load(sid, { maxTokens: 90 }))).toEqual(['c', 'd', 'e']);
        // 'b' would fit on its own, but the kept history is a contiguous suffix: nothing older than 'c'.
        expect(contents(await store.load(sid, { maxTokens: 94 }))).toEqual(['c', 'd', 'e']);
        expect(contents(await store.load(sid, { maxTokens: 95 }))).toEqual(['b', 'c', 'd', 'e']);
        expect(contents(await store.load(sid, { maxTokens: 145 }))).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(contents(await store.load(sid, { maxTokens: 10_000 }))).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(await store.load(sid, { maxTokens: 19 })).toEqual([]);
        expect(await store.load(sid, { maxTokens: 0 })).toEqual([]);
      });

      it('maxMessages keeps the newest n', async () => {
        const history = numbered(10);
        await store.append(sid, history);
        expect(await store.load(sid, { maxMessages: 3 })).toEqual(history.slice(-3));
        expect(await store.load(sid, { maxMessages: 1 })).toEqual(history.slice(-1));
        expect(await store.load(sid, { maxMessages: 10 })).toEqual(history);
        expect(await store.load(sid, { maxMessages: 500 })).toEqual(history);
        expect(await store.load(sid, { maxMessages: 0 })).toEqual([]);
      });

      it('with both limits, whichever is reached first wins', async () => {
        const history = numbered(200, 10);
        await store.append(sid, history);
        expect(await store.load(sid, { maxTokens: 45, maxMessages: 10 })).toEqual(history.slice(-4));
        expect(await store.load(sid, { maxTokens: 1000, maxMessages: 6 })).toEqual(history.slice(-6));
        expect(await store.load(sid, { maxTokens: 1500, maxMessages: 150 })).toEqual(history.slice(-150));
        expect(await store.load(sid, { maxTokens: 1990, maxMessages: 1000 })).toEqual(history.slice(-199));
      });

      it('pages correctly through histories longer than one read', async () => {
        const history = numbered(1000, 3);
        await store.append(sid, history);
        expect(await store.load(sid, { maxMessages: 700 })).toEqual(history.slice(-700));
        expect(await store.load(sid, { maxTokens: 3 * 333 })).toEqual(history.slice(-333));
        expect(await store.load(sid, { maxTokens: 1_000_000 })).toEqual(history);
      });
    });

    describe('meta', () => {
      it('has defaults for an unknown session', async () => {
        expect(await store.getMeta('discord:dm:404')).toEqual(emptyMeta);
        expect(await store.committedSeq('discord:dm:404')).toBe(0);
      });

      it('sets, updates and removes persona and summary independently', async () => {
        await store.setMeta(sid, { persona: 'terse' });
        await store.setMeta(sid, { summary: 'earlier: greetings' });
        expect(await store.getMeta(sid)).toMatchObject({ persona: 'terse', summary: 'earlier: greetings' });
        await store.setMeta(sid, { persona: 'verbose 🦜' });
        expect(await store.getMeta(sid)).toMatchObject({
          persona: 'verbose 🦜',
          summary: 'earlier: greetings',
        });
        await store.setMeta(sid, { summary: null });
        let meta = await store.getMeta(sid);
        expect(meta.persona).toBe('verbose 🦜');
        expect('summary' in meta).toBe(false);
        await store.setMeta(sid, { persona: null, summary: 'new summary' });
        meta = await store.getMeta(sid);
        expect('persona' in meta).toBe(false);
        expect(meta.summary).toBe('new summary');
        await store.setMeta(sid, {});
        expect((await store.getMeta(sid)).summary).toBe('new summary');
        await store.setMeta(sid, { persona: '' });
        expect((await store.getMeta(sid)).persona).toBe('');
      });
    });

    describe('commitTurn', () => {
      it('applies a turn once: messages, usage, committed seq and last activity', async () => {
        const before = Date.now();
        const turn = [message('hi'), message('hello!', 4, 'assistant')];
        const commit: TurnCommit = {
          seq: 1,
          messages: turn,
          usage: { promptTokens: 100, completionTokens: 20, costUsd: 0.0015 },
        };
        expect(await store.commitTurn(sid, commit)).toBe(true);
        expect(await store.commitTurn(sid, commit)).toBe(false);
        expect(await store.load(sid)).toEqual(turn);
        expect(await store.committedSeq(sid)).toBe(1);
        const meta = await store.getMeta(sid);
        expect(meta.usage).toEqual({ promptTokens: 100, completionTokens: 20, costUsd: 0.0015, calls: 1 });
        expect(meta.lastActiveAt).toBeGreaterThanOrEqual(before);
        expect(meta.lastActiveAt).toBeLessThanOrEqual(Date.now());
      });

      it('ignores a seq not above the committed one, and accepts gaps', async () => {
        expect(await store.commitTurn(sid, { seq: 5, messages: [message('five')] })).toBe(true);
        expect(await store.commitTurn(sid, { seq: 3, messages: [message('three')], clear: true })).toBe(
          false,
        );
        expect(
          await store.commitTurn(sid, {
            seq: 5,
            messages: [message('five again')],
            usage: { promptTokens: 1, completionTokens: 1, costUsd: 1 },
          }),
        ).toBe(false);
        expect(contents(await store.load(sid))).toEqual(['five']);
        expect((await store.getMeta(sid)).usage.calls).toBe(0);
        expect(await store.committedSeq(sid)).toBe(5);
        expect(await store.commitTurn(sid, { seq: 9, messages: [message('nine')] })).toBe(true);
        expect(contents(await store.load(sid))).toEqual(['five', 'nine']);
        expect(await store.committedSeq(sid)).toBe(9);
      });

      it('a clear commit resets history and summary, then appends; keeps persona and usage', async () => {
        await store.commitTurn(sid, {
          seq: 1,
          messages: numbered(4),
          usage: { promptTokens: 10, completionTokens: 2, costUsd: 0.5 },
        });
        await store.setMeta(sid, { persona: 'pirate', summary: 'long ago' });
        expect(await store.commitTurn(sid, { seq: 2, clear: true, messages: [] })).toBe(true);
        expect(await store.load(sid)).toEqual([]);
        let meta = await store.getMeta(sid);
        expect(meta.summary).toBeUndefined();
        expect(meta.persona).toBe('pirate');
        expect(meta.usage).toEqual({ promptTokens: 10, completionTokens: 2, costUsd: 0.5, calls: 1 });
        const fresh = [message('fresh start')];
        expect(await store.commitTurn(sid, { seq: 3, clear: true, messages: fresh })).toBe(true);
        expect(await store.load(sid)).toEqual(fresh);
        // Replaying the reset must not wipe what came after it.
        expect(await store.commitTurn(sid, { seq: 2, clear: true, messages: [] })).toBe(false);
        expect(await store.load(sid)).toEqual(fresh);
        meta = await store.getMeta(sid);
        expect(await store.committedSeq(sid)).toBe(3);
        expect(meta.persona).toBe('pirate');
      });

      it('accumulates usage exactly; null cost adds nothing but counts the call; no usage counts nothing', async () => {
        const costs = [0.1, 0.2, null, 0.000001, 0.0000004];
        let seq = 0;
        for (const costUsd of costs) {
          seq += 1;
          await store.commitTurn(sid, {
            seq,
            messages: [],
            usage: { promptTokens: 1000, completionTokens: 10, costUsd },
          });
        }
        await store.commitTurn(sid, { seq: seq + 1, messages: [message('no model call')] });
        expect((await store.getMeta(sid)).usage).toEqual({
          promptTokens: 5000,
          completionTokens: 50,
          costUsd: 0.300001,
          calls: 5,
        });
      });

      it('rejects malformed commits without changing anything', async () => {
        await store.commitTurn(sid, { seq: 1, messages: [message('kept')] });
        const bad: TurnCommit[] = [
          { seq: 0, messages: [message('zero')] },
          { seq: 2.5, messages: [message('fraction')] },
          { seq: 2, messages: [message('x')], usage: { promptTokens: -1, completionTokens: 0, costUsd: 0 } },
          {
            seq: 2,
            messages: [message('x')],
            usage: { promptTokens: 1, completionTokens: 0, costUsd: Number.NaN },
          },
        ];
        for (const commit of bad) await expect(store.commitTurn(sid, commit)).rejects.toThrow(RangeError);
        expect(contents(await store.load(sid))).toEqual(['kept']);
        expect(await store.committedSeq(sid)).toBe(1);
        expect((await store.getMeta(sid)).usage.calls).toBe(0);
      });
    });

    describe('session isolation', () => {
      it('never mixes sessions, even when one ID is a prefix of another', async () => {
        const ids = ['slack:T:C', 'slack:T:C:1', 'slack:T:C:10', 'slack:T:C1'];
        for (const [index, id] of ids.entries()) {
          await store.commitTurn(id, {
            seq: index + 1,
            messages: [message(`only in ${id}`)],
            usage: { promptTokens: index + 1, completionTokens: 0, costUsd: null },
          });
          await store.setMeta(id, { persona: `persona of ${id}` });
        }
        await store.clear('slack:T:C');
        await store.append('slack:T:C:1', [message('more in slack:T:C:1')]);
        expect(await store.load('slack:T:C')).toEqual([]);
        expect(contents(await store.load('slack:T:C:1'))).toEqual([
          'only in slack:T:C:1',
          'more in slack:T:C:1',
        ]);
        expect(contents(await store.load('slack:T:C:10'))).toEqual(['only in slack:T:C:10']);
        expect(contents(await store.load('slack:T:C1', { maxMessages: 5 }))).toEqual(['only in slack:T:C1']);
        for (const [index, id] of ids.entries()) {
          const meta = await store.getMeta(id);
          expect(meta.persona).toBe(`persona of ${id}`);
          expect(meta.usage.promptTokens).toBe(index + 1);
          expect(await store.committedSeq(id)).toBe(index + 1);
        }
        // A seq committed in one session does not block the same seq in another.
        expect(await store.commitTurn('discord:dm:1', { seq: 1, messages: [] })).toBe(true);
        expect(await store.commitTurn('discord:dm:2', { seq: 1, messages: [] })).toBe(true);
      });
    });

    describe('historyTokens', () => {
      it('follows every write path: commit, append, replace, compact, clear, reset and forget commits', async () => {
        const tokens = async () => (await store.getMeta(sid)).historyTokens;
        const first = [message('q', 10), message('a', 4, 'assistant')];
        await store.commitTurn(sid, { seq: 1, messages: first });
        expect(await tokens()).toBe(14);
        await store.append(sid, [message('late', 5)]);
        expect(await tokens()).toBe(19);
        await store.replace(sid, [message('r1', 3), message('r2', 3), message('r3', 6)]);
        expect(await tokens()).toBe(12);
        await store.commitTurn(sid, { seq: 2, messages: [message('more', 7)] });
        expect(await tokens()).toBe(19);
        const [oldest] = await store.loadOldest(sid, 1);
        expect(
          await store.compact(sid, { dropCount: 1, lastDropped: oldest!, droppedTokens: 3, summary: 's' }),
        ).toBe(true);
        expect(await tokens()).toBe(16);
        expect(await tokens()).toBe(tokensOf(await store.load(sid)));
        await store.clear(sid);
        expect(await tokens()).toBe(0);
        await store.append(sid, [message('x', 9)]);
        await store.commitTurn(sid, { seq: 3, clear: true, messages: [message('after reset', 2)] });
        expect(await tokens()).toBe(2);
        await store.commitTurn(sid, { seq: 4, forget: true, messages: [message('after forget', 1)] });
        expect(await tokens()).toBe(1);
        // A replayed commit adds nothing.
        await store.commitTurn(sid, { seq: 4, messages: [message('replayed', 50)] });
        expect(await tokens()).toBe(1);
        await store.replace(sid, []);
        expect(await tokens()).toBe(0);
      });

      it('a compaction never takes it below zero', async () => {
        const history = [message('a', 2), message('b', 2)];
        await store.append(sid, history);
        expect(
          await store.compact(sid, {
            dropCount: 1,
            lastDropped: history[0]!,
            droppedTokens: 500,
            summary: 's',
          }),
        ).toBe(true);
        expect((await store.getMeta(sid)).historyTokens).toBe(0);
      });

      it('rejects messages whose tokens are not non-negative integers, changing nothing', async () => {
        await store.commitTurn(sid, { seq: 1, messages: [message('kept', 4)] });
        const fractional = { ...message('bad'), tokens: 1.5 };
        const negative = { ...message('bad'), tokens: -1 };
        await expect(store.append(sid, [message('ok'), fractional])).rejects.toThrow(RangeError);
        await expect(store.replace(sid, [negative])).rejects.toThrow(RangeError);
        await expect(store.commitTurn(sid, { seq: 2, messages: [fractional] })).rejects.toThrow(RangeError);
        expect(contents(await store.load(sid))).toEqual(['kept']);
        expect((await store.getMeta(sid)).historyTokens).toBe(4);
        expect(await store.committedSeq(sid)).toBe(1);
      });
    });

    describe('responseId', () => {
      it('commits set it, keep it when absent, replace it, and drop it with null', async () => {
        const responseId = async () => (await store.getMeta(sid)).responseId;
        await store.commitTurn(sid, { seq: 1, messages: [message('q1')], responseId: 'resp_1' });
        expect(await responseId()).toBe('resp_1');
        await store.commitTurn(sid, { seq: 2, messages: [message('q2')] });
        expect(await responseId()).toBe('resp_1');
        await store.commitTurn(sid, { seq: 3, messages: [], responseId: 'resp_2' });
        expect(await responseId()).toBe('resp_2');
        // A replayed commit does not move the chain.
        await store.commitTurn(sid, { seq: 3, messages: [], responseId: 'resp_stale' });
        expect(await responseId()).toBe('resp_2');
        await store.commitTurn(sid, { seq: 4, messages: [], responseId: null });
        expect('responseId' in (await store.getMeta(sid))).toBe(false);
      });

      it('a reset commit, clear() and a forget commit drop it; a reset may start a new chain', async () => {
        await store.commitTurn(sid, { seq: 1, messages: [message('q')], responseId: 'resp_1' });
        await store.commitTurn(sid, { seq: 2, clear: true, messages: [] });
        expect((await store.getMeta(sid)).responseId).toBeUndefined();
        await store.commitTurn(sid, { seq: 3, clear: true, messages: [message('q')], responseId: 'resp_3' });
        expect((await store.getMeta(sid)).responseId).toBe('resp_3');
        await store.clear(sid);
        expect((await store.getMeta(sid)).responseId).toBeUndefined();
        await store.setMeta(sid, { responseId: 'resp_4' });
        await store.commitTurn(sid, { seq: 4, forget: true, messages: [] });
        expect((await store.getMeta(sid)).responseId).toBeUndefined();
      });

      it('setMeta sets and removes it without touching persona or summary', async () => {
        await store.setMeta(sid, { persona: 'terse', summary: 'earlier' });
        await store.setMeta(sid, { responseId: 'resp_9' });
        expect(await store.getMeta(sid)).toMatchObject({
          persona: 'terse',
          summary: 'earlier',
          responseId: 'resp_9',
        });
        await store.setMeta(sid, { responseId: null });
        const meta = await store.getMeta(sid);
        expect('responseId' in meta).toBe(false);
        expect(meta).toMatchObject({ persona: 'terse', summary: 'earlier' });
      });
    });

    describe('forget', () => {
      it('a forget commit drops persona, summary, usage and history but keeps the seq order', async () => {
        await store.commitTurn(sid, {
          seq: 1,
          messages: numbered(3),
          usage: { promptTokens: 50, completionTokens: 5, costUsd: 0.5 },
          responseId: 'resp_1',
          scopeId: 'slack:T1:C1',
        });
        await store.setMeta(sid, { persona: 'pirate', summary: 'long ago' });
        const kept = message('the forget turn', 6);
        expect(
          await store.commitTurn(sid, {
            seq: 2,
            forget: true,
            messages: [kept],
            usage: { promptTokens: 1, completionTokens: 1, costUsd: null },
          }),
        ).toBe(true);
        expect(await store.load(sid)).toEqual([kept]);
        const meta = await store.getMeta(sid);
        expect(meta).toEqual({
          usage: { promptTokens: 1, completionTokens: 1, costUsd: 0, calls: 1 },
          lastActiveAt: meta.lastActiveAt,
          historyTokens: 6,
        });
        expect(meta.lastActiveAt).toBeGreaterThan(0);
        expect(await store.committedSeq(sid)).toBe(2);
        // The seq check still applies: an old forget is a no-op, not a second wipe.
        expect(await store.commitTurn(sid, { seq: 2, forget: true, messages: [] })).toBe(false);
        expect(await store.commitTurn(sid, { seq: 1, forget: true, messages: [] })).toBe(false);
        expect(await store.load(sid)).toEqual([kept]);
      });

      it('forget() deletes history, meta and index entries but keeps the committed seq', async () => {
        await store.commitTurn(sid, {
          seq: 7,
          messages: numbered(2),
          usage: { promptTokens: 5, completionTokens: 5, costUsd: 0.1 },
          responseId: 'resp_1',
          scopeId: 'slack:T1:C1',
        });
        await store.setMeta(sid, { persona: 'p', summary: 's' });
        await store.commitTurn('slack:T1:C1:other', {
          seq: 1,
          messages: [message('stays')],
          scopeId: 'slack:T1:C1',
        });
        await store.forget(sid);
        expect(await store.load(sid)).toEqual([]);
        expect(await store.count(sid)).toBe(0);
        expect(await store.getMeta(sid)).toEqual(emptyMeta);
        expect(await store.committedSeq(sid)).toBe(7);
        expect((await store.listSessions()).map((listing) => listing.sessionId)).toEqual([
          'slack:T1:C1:other',
        ]);
        expect(await store.sessionsInScope('slack:T1:C1')).toEqual(['slack:T1:C1:other']);
        expect(contents(await store.load('slack:T1:C1:other'))).toEqual(['stays']);
        // A replay of a forgotten turn is still recognised; the session goes on from there.
        expect(
          await store.commitTurn(sid, { seq: 7, messages: [message('replay')], scopeId: 'slack:T1:C1' }),
        ).toBe(false);
        // …and leaves the forgotten session out of the listing and its scope.
        expect((await store.listSessions()).map((listing) => listing.sessionId)).toEqual([
          'slack:T1:C1:other',
        ]);
        expect(await store.sessionsInScope('slack:T1:C1')).toEqual(['slack:T1:C1:other']);
        expect(await store.commitTurn(sid, { seq: 8, messages: [message('new')] })).toBe(true);
        expect(contents(await store.load(sid))).toEqual(['new']);
        // Forgetting what was never stored, or twice, is harmless.
        await store.forget('console:never');
        await store.forget('console:never');
        expect(await store.committedSeq('console:never')).toBe(0);
        await store.setMeta('console:persona-only', { persona: 'x' });
        await store.forget('console:persona-only');
        expect(await store.getMeta('console:persona-only')).toEqual(emptyMeta);
      });
    });

    describe('session index', () => {
      it('lists sessions most recently active first, with their last commit time, up to a limit', async () => {
        const clock = manualClock();
        const indexed = await open({ now: clock.now });
        const start = clock.now();
        for (const id of ['slack:T:A', 'slack:T:B', 'slack:T:C']) {
          clock.advance(1000);
          await indexed.commitTurn(id, { seq: 1, messages: [message(id)] });
        }
        // Writes outside commits do not list a session.
        await indexed.append('slack:T:D', [message('imported')]);
        await indexed.setMeta('slack:T:E', { persona: 'p' });
        clock.advance(1000);
        await indexed.commitTurn('slack:T:A', { seq: 2, messages: [] });
        expect(await indexed.listSessions()).toEqual([
          { sessionId: 'slack:T:A', lastActiveAt: start + 4000 },
          { sessionId: 'slack:T:C', lastActiveAt: start + 3000 },
          { sessionId: 'slack:T:B', lastActiveAt: start + 2000 },
        ]);
        expect((await indexed.getMeta('slack:T:A')).lastActiveAt).toBe(start + 4000);
        expect((await indexed.listSessions({ limit: 2 })).map((listing) => listing.sessionId)).toEqual([
          'slack:T:A',
          'slack:T:C',
        ]);
        expect(await indexed.listSessions({ limit: 0 })).toEqual([]);
        // A replayed commit does not count as activity.
        clock.advance(1000);
        await indexed.commitTurn('slack:T:B', { seq: 1, messages: [] });
        expect((await indexed.listSessions({ limit: 1 }))[0]!.sessionId).toBe('slack:T:A');
        expect(await store.listSessions()).toEqual([]);
      });

      it('sessionsInScope lists the scope and its threads, and nothing of look-alike scopes', async () => {
        const scope = 'slack:T:C';
        await store.commitTurn('slack:T:C:1.1', { seq: 1, messages: [message('a')], scopeId: scope });
        await store.commitTurn('slack:T:C:2.2', { seq: 1, messages: [message('b')], scopeId: scope });
        await store.commitTurn('slack:T:C2:3.3', { seq: 1, messages: [message('c')], scopeId: 'slack:T:C2' });
        await store.commitTurn('slack:T:C:1.1', { seq: 2, messages: [message('a2')], scopeId: scope });
        // The scope's own session is listed once it holds anything, here a persona.
        expect(await store.sessionsInScope(scope)).toEqual(['slack:T:C:1.1', 'slack:T:C:2.2']);
        await store.setMeta(scope, { persona: 'channel persona' });
        expect(await store.sessionsInScope(scope)).toEqual([scope, 'slack:T:C:1.1', 'slack:T:C:2.2']);
        expect(await store.sessionsInScope('slack:T:C2')).toEqual(['slack:T:C2:3.3']);
        expect(await store.sessionsInScope('slack:T')).toEqual([]);
        expect(await store.sessionsInScope('slack:T:C:1')).toEqual([]);
        // A commit naming its own session as scope adds nothing.
        await store.commitTurn('discord:dm:9', {
          seq: 1,
          messages: [message('dm')],
          scopeId: 'discord:dm:9',
        });
        expect(await store.sessionsInScope('discord:dm:9')).toEqual(['discord:dm:9']);

        await store.forget('slack:T:C:1.1');
        expect(await store.sessionsInScope(scope)).toEqual([scope, 'slack:T:C:2.2']);
        await store.forget(scope);
        expect(await store.sessionsInScope(scope)).toEqual(['slack:T:C:2.2']);
        // A forgotten thread that talks again is back in its scope.
        await store.commitTurn('slack:T:C:1.1', { seq: 3, messages: [message('again')], scopeId: scope });
        expect(await store.sessionsInScope(scope)).toEqual(['slack:T:C:1.1', 'slack:T:C:2.2']);
      });
    });

    describe('retention', () => {
      it('sessions idle past the retention period are not listed; a commit makes them active again', async () => {
        const clock = manualClock();
        const retained = await open({ now: clock.now, historyTtlDays: 1 });
        await retained.commitTurn('console:a', { seq: 1, messages: [message('a')] });
        clock.advance(12 * HOUR);
        await retained.commitTurn('console:b', { seq: 1, messages: [message('b')] });
        expect((await retained.listSessions()).map((listing) => listing.sessionId)).toEqual([
          'console:b',
          'console:a',
        ]);
        clock.advance(13 * HOUR);
        expect((await retained.listSessions()).map((listing) => listing.sessionId)).toEqual(['console:b']);
        await retained.commitTurn('console:a', { seq: 2, messages: [message('a again')] });
        expect((await retained.listSessions()).map((listing) => listing.sessionId)).toEqual([
          'console:a',
          'console:b',
        ]);
        clock.advance(12 * HOUR);
        expect((await retained.listSessions()).map((listing) => listing.sessionId)).toEqual(['console:a']);
      });

      it('an idle session expires entirely: history, meta, seq and scope membership', async () => {
        const clock = manualClock();
        // Redis expires keys on its own clock, so the TTL is short and real; memory follows the given clock.
        const retained = await open({ now: clock.now, historyTtlMs: 1500 });
        const thread = 'slack:T:C:9.9';
        await retained.commitTurn(thread, {
          seq: 3,
          messages: [message('soon gone')],
          usage: { promptTokens: 1, completionTokens: 1, costUsd: 0.1 },
          scopeId: 'slack:T:C',
        });
        await retained.setMeta(thread, { persona: 'p' });
        expect(await retained.count(thread)).toBe(1);
        expect(await retained.sessionsInScope('slack:T:C')).toEqual([thread]);
        clock.advance(1501);
        await vi.waitFor(
          async () => {
            expect(await retained.load(thread)).toEqual([]);
            expect(await retained.getMeta(thread)).toEqual(emptyMeta);
          },
          { timeout: 5000, interval: 50 },
        );
        expect(await retained.committedSeq(thread)).toBe(0);
        expect(await retained.sessionsInScope('slack:T:C')).toEqual([]);
        expect(await retained.listSessions()).toEqual([]);
      });
    });

    describe('loadOldest', () => {
      it('returns the n oldest messages, oldest first', async () => {
        const history = numbered(10);
        await store.append(sid, history);
        expect(await store.loadOldest(sid, 3)).toEqual(history.slice(0, 3));
        expect(await store.loadOldest(sid, 1)).toEqual(history.slice(0, 1));
        expect(await store.loadOldest(sid, 10)).toEqual(history);
        expect(await store.loadOldest(sid, 500)).toEqual(history);
        expect(await store.loadOldest(sid, 0)).toEqual([]);
        expect(await store.loadOldest('console:nobody', 5)).toEqual([]);
        const copy = await store.loadOldest(sid, 1);
        copy[0]!.content = 'mutated';
        expect(contents(await store.loadOldest(sid, 1))).toEqual(['m0']);
      });
    });

    describe('compact', () => {
      const usage = { promptTokens: 300, completionTokens: 40, costUsd: 0.002 };

      it('drops the oldest messages, stores the summary and accounts tokens and usage', async () => {
        const history = numbered(6, 10);
        await store.commitTurn(sid, {
          seq: 1,
          messages: history,
          usage: { promptTokens: 100, completionTokens: 10, costUsd: 0.001 },
        });
        const oldest = await store.loadOldest(sid, 4);
        expect(
          await store.compact(sid, {
            dropCount: 4,
            lastDropped: oldest[3]!,
            droppedTokens: tokensOf(oldest),
            summary: 'they said m0..m3',
            usage,
          }),
        ).toBe(true);
        expect(await store.load(sid)).toEqual(history.slice(4));
        expect(await store.count(sid)).toBe(2);
        expect(await store.getMeta(sid)).toEqual({
          summary: 'they said m0..m3',
          usage: { promptTokens: 400, completionTokens: 50, costUsd: 0.003, calls: 2 },
          lastActiveAt: (await store.getMeta(sid)).lastActiveAt,
          historyTokens: 20,
        });
        expect(await store.committedSeq(sid)).toBe(1);
        // The summary can cover everything.
        const rest = await store.loadOldest(sid, 2);
        expect(
          await store.compact(sid, {
            dropCount: 2,
            lastDropped: rest[1]!,
            droppedTokens: 20,
            summary: 'all',
          }),
        ).toBe(true);
        expect(await store.load(sid)).toEqual([]);
        expect(await store.getMeta(sid)).toMatchObject({ summary: 'all', historyTokens: 0 });
      });

      it('still applies when messages were appended at the tail meanwhile', async () => {
        const history = numbered(4, 10);
        await store.append(sid, history);
        const oldest = await store.loadOldest(sid, 2);
        const late = message('late', 7);
        await store.commitTurn(sid, { seq: 1, messages: [late] });
        expect(
          await store.compact(sid, {
            dropCount: 2,
            lastDropped: oldest[1]!,
            droppedTokens: 20,
            summary: 's',
          }),
        ).toBe(true);
        expect(await store.load(sid)).toEqual([...history.slice(2), late]);
        expect((await store.getMeta(sid)).historyTokens).toBe(27);
      });

      it('is refused, changing nothing, when the oldest messages changed meanwhile', async () => {
        const history = numbered(6, 10);
        await store.commitTurn(sid, { seq: 1, messages: history });
        await store.setMeta(sid, { summary: 'old summary' });
        const oldest = await store.loadOldest(sid, 3);
        const compaction = {
          dropCount: 3,
          lastDropped: oldest[2]!,
          droppedTokens: 30,
          summary: 'new',
          usage,
        };

        // Another compaction got there first.
        expect(
          await store.compact(sid, {
            dropCount: 1,
            lastDropped: oldest[0]!,
            droppedTokens: 10,
            summary: 'first',
          }),
        ).toBe(true);
        const snapshot = async () => ({
          messages: await store.load(sid),
          meta: await store.getMeta(sid),
          seq: await store.committedSeq(sid),
        });
        let before = await snapshot();
        expect(await store.compact(sid, compaction)).toBe(false);
        expect(await snapshot()).toEqual(before);

        // The history was replaced (an import), even with look-alike messages.
        await store.replace(sid, [
          { ...oldest[0]!, content: 'changed' },
          oldest[1]!,
          { ...oldest[2]!, tokens: 11 },
        ]);
        before = await snapshot();
        expect(await store.compact(sid, compaction)).toBe(false);
        expect(await snapshot()).toEqual(before);

        // The session was reset.
        await store.commitTurn(sid, { seq: 2, clear: true, messages: [] });
        before = await snapshot();
        expect(await store.compact(sid, compaction)).toBe(false);
        expect(await snapshot()).toEqual(before);

        // An unknown session gains nothing.
        expect(await store.compact('console:nobody', compaction)).toBe(false);
        expect(await store.getMeta('console:nobody')).toEqual(emptyMeta);
        expect(await store.count('console:nobody')).toBe(0);
      });

      it('rejects malformed compactions', async () => {
        const history = numbered(3);
        await store.append(sid, history);
        const base = { lastDropped: history[0]!, droppedTokens: 10, summary: 's' };
        await expect(store.compact(sid, { ...base, dropCount: 0 })).rejects.toThrow(RangeError);
        await expect(store.compact(sid, { ...base, dropCount: 1.5 })).rejects.toThrow(RangeError);
        await expect(store.compact(sid, { ...base, dropCount: 1, droppedTokens: -1 })).rejects.toThrow(
          RangeError,
        );
        await expect(
          store.compact(sid, {
            ...base,
            dropCount: 1,
            usage: { promptTokens: 1, completionTokens: 1, costUsd: Number.NaN },
          }),
        ).rejects.toThrow(RangeError);
        expect(await store.load(sid)).toEqual(history);
        expect((await store.getMeta(sid)).summary).toBeUndefined();
      });
    });
  });
  historyStoreScopeContract(name, factory);
}

/** Opens extra stores with their own options for a test, and closes them all afterwards (`closeAll`). */
export function extraStores(factory: HistoryStoreFactory): {
  open(options: HistoryStoreTestOptions): Promise<HistoryStore>;
  closeAll(): Promise<void>;
} {
  const opened: HistoryStore[] = [];
  return {
    async open(options) {
      const next = await factory(options);
      opened.push(next);
      return next;
    },
    async closeAll() {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    },
  };
}
