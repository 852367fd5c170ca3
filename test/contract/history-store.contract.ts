import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryStore, StoredMessage, TurnCommit } from '../../src/history-store.ts';

/** Builds a fresh store for one test; the suite closes it afterwards. */
export type HistoryStoreFactory = () => HistoryStore | Promise<HistoryStore>;

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

/** The behaviour every `HistoryStore` must have, run against each implementation. */
export function historyStoreContract(name: string, factory: HistoryStoreFactory): void {
  describe(`HistoryStore contract: ${name}`, () => {
    let store: HistoryStore;
    const sid = 'slack:T1:C1:1700000000.000100';

    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
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
        expect(await store.getMeta('discord:dm:404')).toEqual({
          usage: { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 },
          lastActiveAt: 0,
        });
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
  });
}
