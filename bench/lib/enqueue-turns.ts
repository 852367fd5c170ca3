import type { TurnSink } from '../../src/queue/turn-queue.ts';
import { benchTurn } from './bench-turns.ts';

/** What to enqueue: `turnsPerSession` turns for each session, in order per session. */
export interface EnqueuePlan {
  /** Session ids. */
  sessionIds: readonly string[];
  /** Turns per session. */
  turnsPerSession: number;
  /** Turn ids are `firstTurnId + round × sessions + session index` (unique per plan). */
  firstTurnId: number;
  /** Text of each turn. */
  text: (sessionIndex: number, index: number) => string;
  /** Index of each session's first turn here (default 0; later plans continue a session's numbering). */
  firstIndex?: number;
  /** Enqueues in flight at once (default: one round of all sessions). */
  parallel?: number;
}

/**
 * Enqueues round by round — every session's turn r before any session's turn r+1 — so each session's turns
 * are handed over in order, while different sessions go in parallel as a busy ingress would.
 * Returns the number of turns accepted.
 */
export async function enqueueTurns(sink: TurnSink, plan: EnqueuePlan): Promise<number> {
  const sessions = plan.sessionIds.length;
  const parallel = plan.parallel ?? sessions;
  let accepted = 0;
  for (let round = 0; round < plan.turnsPerSession; round++) {
    for (let from = 0; from < sessions; from += parallel) {
      const batch: Promise<unknown>[] = [];
      for (let s = from; s < Math.min(sessions, from + parallel); s++) {
        const turnId = plan.firstTurnId + round * sessions + s;
        const index = (plan.firstIndex ?? 0) + round;
        const turn = benchTurn(plan.sessionIds[s]!, index, turnId, plan.text(s, index));
        batch.push(
          sink.enqueue(turn).then((result) => {
            if (result.accepted) accepted++;
          }),
        );
      }
      await Promise.all(batch);
    }
  }
  return accepted;
}

/** `count` session ids `<name>-0` … */
export function sessionIds(name: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench:${name}:${i}`);
}
