import type { EnqueueResult, TurnSink } from '../../../src/queue/turn-queue.ts';
import type { Turn } from '../../../src/turn/turn.ts';

/** A TurnSink that keeps every turn and lets tests wait for one, slow enqueueing down, or make it fail. */
export interface RecordingSink extends TurnSink {
  /** Turns enqueued, oldest first. */
  turns: Turn[];
  /** Resolves with the first turn (already enqueued or future) that matches. */
  waitFor(test: (turn: Turn) => boolean, timeoutMs?: number): Promise<Turn>;
  /** Runs before each enqueue: delay it, or throw to make enqueueing fail. */
  beforeEnqueue: ((turn: Turn) => Promise<void>) | undefined;
  /** Turns it answers `accepted: false` for, without keeping them (as access rules drop turns). */
  drops: ((turn: Turn) => boolean) | undefined;
}

export function createRecordingSink(): RecordingSink {
  const turns: Turn[] = [];
  const waiters: Array<{ test: (turn: Turn) => boolean; resolve: (turn: Turn) => void }> = [];
  const sink: RecordingSink = {
    turns,
    beforeEnqueue: undefined,
    drops: undefined,
    async enqueue(turn): Promise<EnqueueResult> {
      await sink.beforeEnqueue?.(turn);
      if (sink.drops?.(turn)) return { accepted: false, seq: undefined };
      turns.push(turn);
      for (const waiter of waiters.filter((candidate) => candidate.test(turn))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(turn);
      }
      return { accepted: true, seq: turns.length };
    },
    waitFor(test, timeoutMs = 10_000) {
      const seen = turns.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching turn within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          test,
          resolve: (turn) => {
            clearTimeout(timer);
            resolve(turn);
          },
        });
      });
    },
  };
  return sink;
}
