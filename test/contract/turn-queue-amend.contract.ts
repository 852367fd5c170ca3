import { afterEach, describe, expect, it } from 'vitest';
import type { TurnProcessor } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { QueueFactory, QueueUnderTest } from './turn-queue.contract.ts';

/*
 * Edits and deletes of messages whose turns still wait (run by `turnQueueContract` for every implementation): a
 * waiting turn behind the head is changed in place — an edit runs it once with the new text, a delete means it
 * never runs — while an edit or delete of the head, which may be running, is queued as a turn of its own.
 */

const POLL = { intervalMs: 10 };

function turnOf(sessionId: string, id: string, fields: Partial<Turn> = {}): Turn {
  return {
    id,
    sessionId,
    kind: 'message',
    messageRef: id,
    author: { id: 'U1', name: 'Alice' },
    text: id,
    target: { platform: 'console', channelId: 'c' },
    receivedAt: Date.now(),
    ...fields,
  };
}

const edit = (sessionId: string, id: string, targetRef: string, text: string): Turn =>
  turnOf(sessionId, id, { kind: 'edit', targetRef, text, messageRef: targetRef });
const remove = (sessionId: string, id: string, targetRef: string): Turn =>
  turnOf(sessionId, id, { kind: 'delete', targetRef, text: '', messageRef: targetRef });

/** A processor that holds the turn with id `hold` until released, commits like the real one, and records runs. */
function holdingProcessor(committed: Map<string, number>) {
  const runs: Array<{ id: string; kind: Turn['kind']; text: string; seq: number }> = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = false;
  const run: TurnProcessor = async (job) => {
    if (job.turn.id === 'hold') {
      holding = true;
      await released;
    }
    // A seq must grow; gaps are fine (the store accepts them).
    if (job.seq <= (committed.get(job.turn.sessionId) ?? 0))
      throw new Error(`seq ${job.seq} already committed`);
    committed.set(job.turn.sessionId, job.seq);
    runs.push({ id: job.turn.id, kind: job.turn.kind, text: job.turn.text, seq: job.seq });
  };
  return { run, runs, release, isHolding: () => holding };
}

export function turnQueueAmendContract(name: string, factory: QueueFactory): void {
  describe(`TurnQueue contract (edits and deletes of waiting turns): ${name}`, () => {
    let current: QueueUnderTest | undefined;
    let release: (() => void) | undefined;
    const sid = 'slack:T:C:1.1';
    /** A queue whose head turn `hold` is running, held, with `waiting` queued behind it. */
    const withHeldHead = async (waiting: Turn[]) => {
      const committed = new Map<string, number>();
      current = await factory({
        concurrency: 4,
        maxAttempts: 3,
        committed,
        committedSeq: async (sessionId) => committed.get(sessionId) ?? 0,
        forgotten: new Map(),
      });
      const processor = holdingProcessor(current.committed);
      release = processor.release;
      await current.queue.process(processor.run);
      expect(await current.queue.enqueue(turnOf(sid, 'hold'))).toEqual({ accepted: true, seq: 1 });
      await waitFor('the head to run', processor.isHolding, POLL);
      for (const turn of waiting) expect((await current.queue.enqueue(turn)).accepted).toBe(true);
      return { queue: current.queue, processor };
    };
    afterEach(async () => {
      // A failed test must not leave its head held: closing would wait for it.
      release?.();
      release = undefined;
      await current?.dispose();
      current = undefined;
    });

    it('an edit of a waiting turn changes it: run once, with the newest text, and no turn more', async () => {
      const { queue, processor } = await withHeldHead([turnOf(sid, 'a'), turnOf(sid, 'b'), turnOf(sid, 'c')]);
      const amended = { accepted: true, seq: undefined, amendedQueued: true };
      expect(await queue.enqueue(edit(sid, 'e1', 'b', 'b, edited'))).toEqual(amended);
      expect(await queue.enqueue(edit(sid, 'e2', 'b', 'b, edited "again" \ud800'))).toEqual(amended);
      // De-duplication still applies to edits.
      expect((await queue.enqueue(edit(sid, 'e1', 'b', 'b, edited'))).accepted).toBe(false);
      expect(await queue.pendingCount()).toBe(4);
      processor.release();
      await waitFor('every turn to run', () => processor.runs.length === 4, POLL);
      await waitFor('the mailbox to empty', async () => (await queue.pendingCount()) === 0, POLL);
      expect(processor.runs).toEqual([
        { id: 'hold', kind: 'message', text: 'hold', seq: 1 },
        { id: 'a', kind: 'message', text: 'a', seq: 2 },
        { id: 'b', kind: 'message', text: 'b, edited "again" \ud800', seq: 3 },
        { id: 'c', kind: 'message', text: 'c', seq: 4 },
      ]);
      expect((await queue.enqueue(turnOf(sid, 'd'))).seq).toBe(5);
    });

    it('a delete of a waiting turn takes it out: never run, the others in order, numbering going on', async () => {
      const listen = turnOf(sid, 'l', { kind: 'listen' });
      const { queue, processor } = await withHeldHead([
        turnOf(sid, 'a'),
        turnOf(sid, 'b'),
        listen,
        turnOf(sid, 'c'),
      ]);
      const amended = { accepted: true, seq: undefined, amendedQueued: true };
      expect(await queue.enqueue(remove(sid, 'd1', 'b'))).toEqual(amended);
      expect(await queue.enqueue(remove(sid, 'd2', 'l'))).toEqual(amended);
      expect(await queue.pendingCount()).toBe(3);
      // Gone from the mailbox, it is not waiting any more: a later edit of it is a turn of its own.
      expect(await queue.enqueue(edit(sid, 'e1', 'b', 'b, edited'))).toEqual({ accepted: true, seq: 6 });
      expect((await queue.enqueue(turnOf(sid, 'f'))).seq).toBe(7);
      processor.release();
      await waitFor('every remaining turn to run', () => processor.runs.length === 5, POLL);
      await waitFor('the mailbox to empty', async () => (await queue.pendingCount()) === 0, POLL);
      expect(processor.runs.map((run) => `${run.id}#${run.seq}`)).toEqual([
        'hold#1',
        'a#2',
        'c#5',
        'e1#6',
        'f#7',
      ]);
      expect(processor.runs.find((run) => run.id === 'e1')).toMatchObject({
        kind: 'edit',
        text: 'b, edited',
      });
    });

    it('an edit or delete of the head, which may be running, is queued after it as a turn of its own', async () => {
      const { queue, processor } = await withHeldHead([turnOf(sid, 'a')]);
      expect(await queue.enqueue(edit(sid, 'e1', 'hold', 'hold, edited'))).toEqual({
        accepted: true,
        seq: 3,
      });
      expect(await queue.enqueue(remove(sid, 'd1', 'hold'))).toEqual({ accepted: true, seq: 4 });
      processor.release();
      await waitFor('every turn to run', () => processor.runs.length === 4, POLL);
      expect(processor.runs).toEqual([
        { id: 'hold', kind: 'message', text: 'hold', seq: 1 },
        { id: 'a', kind: 'message', text: 'a', seq: 2 },
        { id: 'e1', kind: 'edit', text: 'hold, edited', seq: 3 },
        { id: 'd1', kind: 'delete', text: '', seq: 4 },
      ]);
    });

    it('changes only message and listen turns, and queues an edit of anything not waiting as usual', async () => {
      const command = turnOf(sid, 'cmd', { kind: 'command', command: { name: 'persona', args: 'a pirate' } });
      const { queue, processor } = await withHeldHead([command, turnOf(sid, 'a')]);
      expect(await queue.enqueue(edit(sid, 'e1', 'cmd', 'persona a poet'))).toEqual({
        accepted: true,
        seq: 4,
      });
      expect(await queue.enqueue(remove(sid, 'd1', 'unknown'))).toEqual({ accepted: true, seq: 5 });
      // An edit of another session's waiting turn is that session's business.
      expect(await queue.enqueue(edit('slack:T:C:2.2', 'e2', 'a', 'elsewhere'))).toEqual({
        accepted: true,
        seq: 1,
      });
      processor.release();
      await waitFor('every turn to run', () => processor.runs.length === 6, POLL);
      expect(processor.runs.filter((run) => run.id !== 'e2').map((run) => `${run.id}:${run.text}`)).toEqual([
        'hold:hold',
        'cmd:cmd',
        'a:a',
        'e1:persona a poet',
        'd1:',
      ]);
      // Once a turn ran, an edit of it is queued too.
      expect(await queue.enqueue(edit(sid, 'e3', 'a', 'a, edited'))).toEqual({ accepted: true, seq: 6 });
      await waitFor('the late edit to run', () => processor.runs.length === 7, POLL);
    });
  });
}
