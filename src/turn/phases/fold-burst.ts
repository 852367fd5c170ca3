import type { StoredMessage } from '../../history/history-store.ts';
import type { TurnJob, WaitingTurn } from '../../queue/turn-queue.ts';
import type { Turn } from '../turn.ts';
import { userMessageOf } from './load-turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** The burst answered together with a message turn, and the seq its commit carries. */
export interface FoldedBurst {
  /** The later messages, stored as they were written (each with its author and platform id). */
  messages: StoredMessage[];
  /** The job as committed: the newest folded turn's seq, so the queue drops the folded turns as done. */
  job: TurnJob;
}

/** A waiting turn that can be answered in the same reply: a plain message of the same conversation, no files. */
function foldable(head: Turn, waiting: WaitingTurn): boolean {
  const { turn } = waiting;
  return (
    turn.kind === 'message' &&
    turn.sessionId === head.sessionId &&
    turn.target.platform === head.target.platform &&
    (turn.attachments?.length ?? 0) === 0 &&
    turn.text.trim().length > 0
  );
}

/**
 * `FOLD_BURSTS`: the messages waiting right behind this one (sent while the previous answer was being written)
 * that can share its answer — a contiguous run of plain messages, stopping at the first command, edit, file or
 * other kind, so nothing is answered out of order. Undefined when off, when the queue cannot tell, or when
 * nothing waits.
 */
export async function foldBurst(
  deps: Pick<TurnDependencies, 'foldBursts' | 'counter'>,
  job: TurnJob,
): Promise<FoldedBurst | undefined> {
  if (!deps.foldBursts || !job.waitingBehind || job.turn.kind !== 'message') return undefined;
  if ((job.turn.attachments?.length ?? 0) > 0) return undefined;
  const waiting = await job.waitingBehind();
  const run: WaitingTurn[] = [];
  for (const next of waiting) {
    if (!foldable(job.turn, next)) break;
    run.push(next);
  }
  if (run.length === 0) return undefined;
  return {
    messages: run.map(({ turn }) => userMessageOf(deps, turn)),
    job: { ...job, seq: run.at(-1)!.seq },
  };
}
