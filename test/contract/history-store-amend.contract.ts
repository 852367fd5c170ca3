import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryStore, StoredMessage } from '../../src/history/history-store.ts';
import { extraStores, type HistoryStoreFactory } from './history-store.contract.ts';

/*
 * The follow-up half of the HistoryStore contract, run for every implementation: messages carry the platform's
 * ref (and the bot's replies their posted messages) through storage, `amendMessage` edits or deletes one of
 * them by ref, a commit may replace the latest exchange (`dropLast`), and `follow` marks a conversation the
 * bot takes part in.
 */

let written = 1_700_000_000_000;
function question(ref: string, content = `question ${ref}`, tokens = 5): StoredMessage {
  written += 1;
  return { role: 'user', content, author: { id: 'U1', name: 'Ada' }, at: written, tokens, ref };
}
function answer(content: string, tokens = 7, messageId = `r-${content}`): StoredMessage {
  written += 1;
  return { role: 'assistant', content, at: written, tokens, replies: [{ channelId: 'C1', messageId }] };
}

const contents = (messages: StoredMessage[]) => messages.map((message) => message.content);

export function historyStoreAmendContract(name: string, factory: HistoryStoreFactory): void {
  describe(`HistoryStore contract (follow-ups): ${name}`, () => {
    const sid = 'slack:T1:C1:1700000000.000100';
    let store: HistoryStore;
    const extra = extraStores(factory);
    const open = extra.open;
    const tokens = async (sessionId = sid) => (await store.getMeta(sessionId)).historyTokens;

    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
      await extra.closeAll();
    });

    /** q1 a1 q2 a2 q3 a3, committed as three turns: 36 tokens. */
    const threeExchanges = async () => {
      const history = [
        question('1.1'),
        answer('a1'),
        question('2.2'),
        answer('a2'),
        question('3.3'),
        answer('a3'),
      ];
      for (let turn = 0; turn < 3; turn++) {
        await store.commitTurn(sid, { seq: turn + 1, messages: history.slice(2 * turn, 2 * turn + 2) });
      }
      return history;
    };

    describe('refs and replies', () => {
      it('round-trip through commits, appends and replaces', async () => {
        const history = await threeExchanges();
        expect(await store.load(sid)).toEqual(history);
        expect(await store.load(sid, { maxMessages: 2 })).toEqual(history.slice(-2));
        await store.append('console:other', history.slice(0, 2));
        expect(await store.loadOldest('console:other', 2)).toEqual(history.slice(0, 2));
        await store.replace('console:other', history.slice(2, 4));
        expect(await store.load('console:other')).toEqual(history.slice(2, 4));
      });
    });

    describe('amendMessage', () => {
      it('edits the newest matching message in place and adjusts the token count', async () => {
        const history = await threeExchanges();
        await store.commitTurn(sid, { seq: 4, messages: [question('4.4', 'newest')] });
        const edited = question('4.4', 'newest, edited', 9);
        expect(await store.amendMessage(sid, '4.4', edited)).toBe(0);
        expect(await store.load(sid)).toEqual([...history, edited]);
        expect(await tokens()).toBe(36 + 9);
        expect(await store.count(sid)).toBe(7);
      });

      it('edits an older message, keeping everything around it and its order', async () => {
        const history = await threeExchanges();
        const edited = question('1.1', 'first, edited', 2);
        expect(await store.amendMessage(sid, '1.1', edited)).toBe(5);
        expect(await store.load(sid)).toEqual([edited, ...history.slice(1)]);
        expect(await tokens()).toBe(36 - 5 + 2);
        // The edit is found again by its ref.
        expect(await store.amendMessage(sid, '1.1', { ...edited, content: 'again' })).toBe(5);
        expect(contents(await store.load(sid, { maxMessages: 6 }))[0]).toBe('again');
      });

      it('deletes a message: gone from the history, its tokens off the count', async () => {
        const history = await threeExchanges();
        expect(await store.amendMessage(sid, '2.2', null)).toBe(3);
        expect(await store.load(sid)).toEqual([...history.slice(0, 2), ...history.slice(3)]);
        expect(await store.count(sid)).toBe(5);
        expect(await tokens()).toBe(36 - 5);
        expect(await store.amendMessage(sid, '2.2', null)).toBe(-1);
        // Deleting everything leaves a count of zero, not a negative one.
        for (const ref of ['1.1', '3.3']) await store.amendMessage(sid, ref, null);
        await store.replace(sid, [question('9.9')]);
        expect(await store.amendMessage(sid, '9.9', null)).toBe(0);
        expect(await store.load(sid)).toEqual([]);
        expect(await tokens()).toBe(0);
      });

      it('resolves -1 and changes nothing for a ref not stored, or an unknown session', async () => {
        const history = await threeExchanges();
        const before = await store.getMeta(sid);
        expect(await store.amendMessage(sid, '7.7', question('7.7'))).toBe(-1);
        expect(await store.amendMessage(sid, '7.7', null)).toBe(-1);
        // Replies of the bot carry no ref; refs are compared whole.
        expect(await store.amendMessage(sid, '1', null)).toBe(-1);
        expect(await store.load(sid)).toEqual(history);
        expect(await store.getMeta(sid)).toEqual(before);
        expect(await store.amendMessage('console:nobody', '1.1', null)).toBe(-1);
        expect(await store.count('console:nobody')).toBe(0);
        expect(await store.isFollowed('console:nobody')).toBe(false);
        expect((await store.sessionsInScope('console:nobody')).length).toBe(0);
      });

      it('looks only among the newest searchLimit messages (500 by default)', async () => {
        const old = question('0.1', 'far back');
        await store.append(sid, [
          old,
          ...Array.from({ length: 500 }, (_, index) => answer(`filler ${index}`, 1)),
        ]);
        expect(await store.amendMessage(sid, '0.1', null)).toBe(-1);
        expect(await store.amendMessage(sid, '0.1', null, { searchLimit: 500 })).toBe(-1);
        expect(await store.count(sid)).toBe(501);
        expect(await store.amendMessage(sid, '0.1', null, { searchLimit: 501 })).toBe(500);
        expect(await store.count(sid)).toBe(500);
        await store.append(sid, [question('5.5')]);
        expect(await store.amendMessage(sid, '5.5', null, { searchLimit: 0 })).toBe(-1);
      });

      it('rejects a bad replacement or limit without changing anything', async () => {
        const history = await threeExchanges();
        await expect(store.amendMessage(sid, '1.1', { ...question('1.1'), tokens: -1 })).rejects.toThrow(
          RangeError,
        );
        await expect(store.amendMessage(sid, '1.1', { ...question('1.1'), tokens: 1.5 })).rejects.toThrow(
          RangeError,
        );
        await expect(store.amendMessage(sid, '1.1', null, { searchLimit: Number.NaN })).rejects.toThrow(
          RangeError,
        );
        expect(await store.load(sid)).toEqual(history);
        expect(await tokens()).toBe(36);
      });

      it('keeps the follow mark, usage, persona and committed seq', async () => {
        await threeExchanges();
        await store.follow(sid);
        await store.setMeta(sid, { persona: 'pirate' });
        await store.amendMessage(sid, '3.3', null);
        expect(await store.isFollowed(sid)).toBe(true);
        expect(await store.committedSeq(sid)).toBe(3);
        expect((await store.getMeta(sid)).persona).toBe('pirate');
      });
    });

    describe('commitTurn with dropLast', () => {
      it('replaces the newest messages with the new ones, once per seq', async () => {
        const history = await threeExchanges();
        const again = [question('3.3', 'third, edited', 4), answer('a3 again', 8)];
        expect(await store.commitTurn(sid, { seq: 4, dropLast: 2, messages: again })).toBe(true);
        expect(await store.load(sid)).toEqual([...history.slice(0, 4), ...again]);
        expect(await tokens()).toBe(36 - 12 + 12);
        expect(await store.committedSeq(sid)).toBe(4);
        // A re-run of the same turn is ignored: nothing more is dropped.
        expect(await store.commitTurn(sid, { seq: 4, dropLast: 2, messages: again })).toBe(false);
        expect(await store.load(sid)).toEqual([...history.slice(0, 4), ...again]);
        expect(await tokens()).toBe(36);
      });

      it('drops at most what is stored; 0 drops nothing; a reset clears anyway', async () => {
        await threeExchanges();
        expect(await store.commitTurn(sid, { seq: 4, dropLast: 0, messages: [question('4.4')] })).toBe(true);
        expect(await store.count(sid)).toBe(7);
        expect(await store.commitTurn(sid, { seq: 5, dropLast: 50, messages: [answer('alone')] })).toBe(true);
        expect(contents(await store.load(sid))).toEqual(['alone']);
        expect(await tokens()).toBe(7);
        await store.commitTurn(sid, { seq: 6, dropLast: 1, clear: true, messages: [question('6.6')] });
        expect(contents(await store.load(sid))).toEqual(['question 6.6']);
        expect(await tokens()).toBe(5);
        await store.commitTurn('console:empty', { seq: 1, dropLast: 3, messages: [] });
        expect(await store.count('console:empty')).toBe(0);
        expect(await tokens('console:empty')).toBe(0);
      });

      it('rejects a dropLast that is not a whole number, changing nothing', async () => {
        const history = await threeExchanges();
        for (const dropLast of [-1, 1.5, Number.NaN]) {
          await expect(store.commitTurn(sid, { seq: 4, dropLast, messages: [] })).rejects.toThrow(RangeError);
        }
        expect(await store.load(sid)).toEqual(history);
        expect(await store.committedSeq(sid)).toBe(3);
      });
    });

    describe('follow', () => {
      it('marks a conversation followed; a commit makes it followed too', async () => {
        expect(await store.isFollowed(sid)).toBe(false);
        await store.follow(sid);
        await store.follow(sid);
        expect(await store.isFollowed(sid)).toBe(true);
        expect(await store.isFollowed(`${sid}0`)).toBe(false);
        expect(await store.isFollowed('slack:T1:C1')).toBe(false);
        // Following writes no history and no activity.
        expect(await store.count(sid)).toBe(0);
        expect(await store.getMeta(sid)).toMatchObject({ lastActiveAt: 0, historyTokens: 0 });
        expect(await store.committedSeq(sid)).toBe(0);

        await store.commitTurn('console:answered', { seq: 1, messages: [] });
        expect(await store.isFollowed('console:answered')).toBe(true);
      });

      it('survives clear() and a reset commit', async () => {
        await store.follow(sid);
        await store.append(sid, [question('1.1')]);
        await store.clear(sid);
        expect(await store.isFollowed(sid)).toBe(true);
        await store.commitTurn(sid, { seq: 1, clear: true, messages: [] });
        expect(await store.isFollowed(sid)).toBe(true);
      });

      it('forget drops the mark; the committed seq forget keeps still counts as taking part', async () => {
        await store.follow('console:marked');
        await store.forget('console:marked');
        expect(await store.isFollowed('console:marked')).toBe(false);
        await store.commitTurn('console:answered', { seq: 1, messages: [question('1.1')] });
        await store.forget('console:answered');
        expect(await store.isFollowed('console:answered')).toBe(true);
      });

      it('counts as stored for forgetScope, which drops it', async () => {
        await store.follow('slack:T1:C2');
        expect(await store.forgetScope('slack:T1:C2', { before: Date.now() })).toEqual(['slack:T1:C2']);
        expect(await store.isFollowed('slack:T1:C2')).toBe(false);
      });

      it('expires with the session under retention', async () => {
        let time = 1_750_000_000_000;
        // Redis expires keys on its own clock, so the TTL is short and real; memory follows the given clock.
        const retained = await open({ now: () => time, historyTtlMs: 1500 });
        await retained.follow(sid);
        expect(await retained.isFollowed(sid)).toBe(true);
        time += 1501;
        await vi.waitFor(async () => expect(await retained.isFollowed(sid)).toBe(false), {
          timeout: 5000,
          interval: 50,
        });
      });
    });
  });
}
