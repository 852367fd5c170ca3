import { describe, expect, it } from 'vitest';
import { enqueueInProcess } from '../../../src/queue/in-process-enqueue.ts';
import { createSessionTable } from '../../../src/queue/in-process-session-table.ts';
import type { Turn } from '../../../src/turn/turn.ts';

const turnWithId = (id: string) => ({ id, sessionId: 'a' }) as Turn;

describe('enqueueInProcess', () => {
  it('numbers turns after the committed seq, in the order they were enqueued', async () => {
    const session = createSessionTable(1_000).stateOf('a');
    let release: (seq: number) => void = () => {};
    const committed = new Promise<number>((resolve) => {
      release = resolve;
    });
    // Both enqueues start before the committed seq is known; the second must still come after the first.
    const first = enqueueInProcess(session, turnWithId('x'), () => committed);
    const second = enqueueInProcess(session, turnWithId('y'), async () => 0);
    release(41);
    expect(await first).toEqual({ accepted: true, seq: 42 });
    expect(await second).toEqual({ accepted: true, seq: 43 });
    expect(session.entries.map((entry) => [entry.seq, entry.turn.id])).toEqual([
      [42, 'x'],
      [43, 'y'],
    ]);
  });

  it('reports a repeated turn id and adds nothing', async () => {
    const session = createSessionTable(1_000).stateOf('a');
    await enqueueInProcess(session, turnWithId('x'), async () => 0);
    expect(await enqueueInProcess(session, turnWithId('x'), async () => 0)).toEqual({
      accepted: false,
      seq: undefined,
    });
    expect(session.entries).toHaveLength(1);
  });

  it('after a failed look-up, accepts the retry and looks the committed seq up afresh', async () => {
    const session = createSessionTable(1_000).stateOf('a');
    const failing = async (): Promise<number> => {
      throw new Error('store down');
    };
    await expect(enqueueInProcess(session, turnWithId('x'), failing)).rejects.toThrow('store down');
    expect(await enqueueInProcess(session, turnWithId('x'), async () => 9)).toEqual({
      accepted: true,
      seq: 10,
    });
  });
});
