import type { EnqueueResult, TurnSink } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * The turn queue as a platform ingress sees it, in memory: records every turn handed to it and, like the real
 * queues, accepts a turn id once per session (a repeat is recorded too, and answered `accepted: false`).
 * Tests can slow an enqueue down, make it fail, or have turns dropped as access rules do.
 */
export interface RecordingSink extends TurnSink {
  /** Every turn handed over, oldest first, repeats included; not those that failed or were dropped. Tests may empty it. */
  turns: Turn[];
  /** Resolves with the first turn (already here or still to come) that matches; rejects after `timeoutMs` (10 s). */
  waitFor(test: (turn: Turn) => boolean, timeoutMs?: number): Promise<Turn>;
  /** Resolves with `turns` once it holds `count` of them; rejects after `timeoutMs` (10 s). */
  waitForTurns(count: number, timeoutMs?: number): Promise<Turn[]>;
  /** Runs first in each enqueue: delay it, or throw to make enqueueing fail. */
  beforeEnqueue: ((turn: Turn) => Promise<void>) | undefined;
  /** Turns it answers `accepted: false` for, without keeping them (as access rules drop turns). */
  drops: ((turn: Turn) => boolean) | undefined;
  /** Makes the next enqueue call fail with "queue unavailable". */
  failNext(): void;
  /** Failures armed with `failNext` and not yet used. */
  pendingFailures(): number;
}

/** Polls the recorded turns this often, in milliseconds. */
const POLL_MS = 10;

export function createRecordingSink(): RecordingSink {
  const turns: Turn[] = [];
  const accepted = new Map<string, Set<string>>();
  const seq = new Map<string, number>();
  let failures = 0;
  const sink: RecordingSink = {
    turns,
    beforeEnqueue: undefined,
    drops: undefined,
    async enqueue(turn): Promise<EnqueueResult> {
      await sink.beforeEnqueue?.(turn);
      if (failures > 0) {
        failures -= 1;
        throw new Error('queue unavailable');
      }
      if (sink.drops?.(turn)) return { accepted: false, seq: undefined };
      turns.push(turn);
      const ids = accepted.get(turn.sessionId) ?? new Set<string>();
      accepted.set(turn.sessionId, ids);
      if (ids.has(turn.id)) return { accepted: false, seq: undefined };
      ids.add(turn.id);
      const next = (seq.get(turn.sessionId) ?? 0) + 1;
      seq.set(turn.sessionId, next);
      return { accepted: true, seq: next };
    },
    waitFor: (test, timeoutMs = 10_000) =>
      waitFor('a matching turn', () => turns.find(test), { timeoutMs, intervalMs: POLL_MS }),
    async waitForTurns(count, timeoutMs = 10_000) {
      await waitFor(
        () => `${count} turns (got ${turns.length})`,
        () => turns.length >= count,
        { timeoutMs, intervalMs: POLL_MS },
      );
      return turns;
    },
    failNext() {
      failures += 1;
    },
    pendingFailures: () => failures,
  };
  return sink;
}
