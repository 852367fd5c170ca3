import type { Logger } from '../../app/logger.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { PostedMessage } from '../reply-channel.ts';
import { type GiveUpDependencies, giveUpTurn } from './give-up-turn.ts';

/**
 * Runs one attempt of a turn so that no turn can block its session, whatever kind it is and however it
 * fails. A run that throws is passed on, so the queue runs the turn again later, while runs remain; the
 * failure of the last run — and any run after the last, whose predecessors died without settling the turn —
 * gives the turn up instead (`giveUpTurn`). A turn already committed (a re-run after a crash that followed
 * the commit) is not run again: its answer, model call and command effects happened once.
 */
export async function settleTurn(
  deps: GiveUpDependencies,
  job: TurnJob,
  log: Logger,
  run: (job: TurnJob) => Promise<void>,
): Promise<void> {
  // The queue may have just read the committed seq (its own check for a committed head): not read twice.
  const committed = job.committedSeq ?? (await deps.store.committedSeq(job.turn.sessionId));
  if (job.seq <= committed) {
    log.info('the turn is already committed; not running it again');
    return;
  }
  if (job.attempt > job.maxAttempts) return giveUpTurn(deps, job, { log });
  // What this run posts, so that giving up edits it rather than posting beside it.
  let posted = job.previousReplies;
  const recordReplies = async (list: PostedMessage[]) => {
    posted = list;
    await job.recordReplies(list);
  };
  try {
    await run({ ...job, recordReplies });
  } catch (error) {
    if (job.attempt < job.maxAttempts) throw error;
    await giveUpTurn(deps, { ...job, previousReplies: posted }, { log, error });
  }
}
