import type { EnqueueResult, TurnSink } from '../../../src/queue/turn-queue.ts';
import type { Turn } from '../../../src/turn/turn.ts';

/** A TurnSink that records every turn handed to it and, like the real queues, accepts each id once per session. */
export interface RecordingSink extends TurnSink {
  /** Every enqueue call, in order (duplicates included). */
  received: Turn[];
  /** Resolves once `count` turns have been received; rejects after `timeoutMs`. */
  waitForTurns(count: number, timeoutMs?: number): Promise<Turn[]>;
  /** Makes the next enqueue call fail. */
  failNext(): void;
  /** Failures armed with `failNext` and not yet used. */
  pendingFailures(): number;
}

export function createRecordingSink(): RecordingSink {
  const received: Turn[] = [];
  const accepted = new Map<string, Set<string>>();
  const seq = new Map<string, number>();
  let failures = 0;
  return {
    received,
    async enqueue(turn): Promise<EnqueueResult> {
      if (failures > 0) {
        failures -= 1;
        throw new Error('queue unavailable');
      }
      received.push(turn);
      const ids = accepted.get(turn.sessionId) ?? new Set<string>();
      accepted.set(turn.sessionId, ids);
      if (ids.has(turn.id)) return { accepted: false, seq: undefined };
      ids.add(turn.id);
      const next = (seq.get(turn.sessionId) ?? 0) + 1;
      seq.set(turn.sessionId, next);
      return { accepted: true, seq: next };
    },
    async waitForTurns(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} turns, got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received;
    },
    failNext() {
      failures += 1;
    },
    pendingFailures: () => failures,
  };
}
