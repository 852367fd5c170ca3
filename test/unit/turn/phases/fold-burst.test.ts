import { describe, expect, it } from 'vitest';
import { getTokenCounter } from '../../../../src/model/token-counter.ts';
import type { WaitingTurn } from '../../../../src/queue/turn-queue.ts';
import { foldBurst } from '../../../../src/turn/phases/fold-burst.ts';
import { makeJob, makeTurn } from '../turn-fixtures.ts';

const counter = getTokenCounter('gpt-4o-mini');
const waiting = (seq: number, overrides: Parameters<typeof makeTurn>[0] = {}): WaitingTurn => ({
  seq,
  turn: makeTurn({ id: `turn-${seq}`, text: `message ${seq}`, messageRef: `ref-${seq}`, ...overrides }),
});

describe('foldBurst', () => {
  it('takes the run of plain messages waiting behind the turn and commits with the newest seq', async () => {
    const job = { ...makeJob(), waitingBehind: async () => [waiting(2), waiting(3), waiting(4)] };
    const burst = await foldBurst({ foldBursts: true, counter }, job);
    expect(burst?.messages.map((message) => [message.content, message.ref])).toEqual([
      ['message 2', 'ref-2'],
      ['message 3', 'ref-3'],
      ['message 4', 'ref-4'],
    ]);
    expect(burst?.job.seq).toBe(4);
  });

  it('stops at the first command, edit, file or other conversation, so nothing is answered out of order', async () => {
    const command = waiting(3, { kind: 'command', command: { name: 'reset', args: '' } });
    const job = { ...makeJob(), waitingBehind: async () => [waiting(2), command, waiting(4)] };
    expect((await foldBurst({ foldBursts: true, counter }, job))?.job.seq).toBe(2);
    const file = waiting(2, {
      attachments: [{ name: 'a.txt', source: { type: 'url', url: 'https://files.example/a.txt' } }],
    });
    expect(
      await foldBurst({ foldBursts: true, counter }, { ...makeJob(), waitingBehind: async () => [file] }),
    ).toBe(undefined);
    const other = waiting(2, { sessionId: 'console:other' });
    expect(
      await foldBurst({ foldBursts: true, counter }, { ...makeJob(), waitingBehind: async () => [other] }),
    ).toBe(undefined);
  });

  it('does nothing unless FOLD_BURSTS is on', async () => {
    const job = { ...makeJob(), waitingBehind: async () => [waiting(2)] };
    expect(await foldBurst({ foldBursts: false, counter }, job)).toBe(undefined);
    expect(await foldBurst({ counter }, job)).toBe(undefined);
  });
});
