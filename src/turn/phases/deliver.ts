import { isRetryable } from '../../app/errors.ts';
import type { Logger } from '../../app/logger.ts';
import type { ReplyDetails } from '../reply-channel.ts';
import { retryWaitMs } from './retry-wait.ts';
import type { TurnDependencies, TurnReply } from './turn-dependencies.ts';

/** Posts of one answer within a run: the first, then up to three retries. */
export const DELIVERY_ATTEMPTS = 4;

/** What delivering draws on. */
export type DeliveryDependencies = Pick<TurnDependencies, 'metrics' | 'now' | 'retryDelayMs' | 'sleep'>;

/** One finished answer to post, and the commit that keeps it. */
export interface Delivery {
  /** Posts the answer; `attempt` 1 is the first post, later ones retry it (without posting it twice). */
  post: (attempt: number) => Promise<void>;
  /** Commits the turn with its answer; resolves false when the seq was already committed (a replay). */
  commit: () => Promise<boolean>;
  /** When the turn's run must be over, ms since epoch: no retry waits past it. */
  deadline: number;
  /** Logger carrying the session. */
  log: Logger;
  /** What is being delivered, for the logs ("reply", "command answer"). */
  what: string;
}

/**
 * Posts an answer, then commits it. The answer is never produced twice: if the first post fails, the turn is
 * committed at once — a crash from then on leaves it committed, and the queue does not run it (or its model
 * call, or its command) again — and only the post is retried, in this run, with backoff (longer when the
 * error carries the platform's `retry-after`), until it succeeds, the attempts run out or the next wait would
 * end past the deadline. A failure that would fail again (`not_in_channel`, a deleted channel, missing
 * permissions) is not retried at all. A post that never succeeds is logged and counted; it does not throw,
 * since the turn is settled. Resolves with what `commit` said.
 */
export async function deliverAndCommit(deps: DeliveryDependencies, delivery: Delivery): Promise<boolean> {
  const failure = await tryPost(deps, delivery, 1);
  if (failure === undefined) return delivery.commit();
  const applied = await delivery.commit();
  await retryPost(deps, delivery, failure.error);
  return applied;
}

async function retryPost(deps: DeliveryDependencies, delivery: Delivery, firstError: unknown): Promise<void> {
  const { log, what } = delivery;
  let error = firstError;
  for (let attempt = 2; ; attempt++) {
    if (!isRetryable(error)) {
      log.error(
        { err: error },
        `could not post the ${what}, and trying again would not help; committed without it`,
      );
      return;
    }
    const waitMs = retryWaitMs(error, deps.retryDelayMs(attempt - 1));
    if (attempt > DELIVERY_ATTEMPTS || deps.now() + waitMs > delivery.deadline) {
      log.error({ err: error, attempts: attempt - 1 }, `could not post the ${what}; committed without it`);
      return;
    }
    log.warn({ err: error, attempt: attempt - 1, waitMs }, `could not post the ${what}; trying again`);
    await deps.sleep(waitMs);
    const failure = await tryPost(deps, delivery, attempt);
    if (failure === undefined) {
      log.info({ attempt }, `posted the ${what} on a later attempt`);
      return;
    }
    error = failure.error;
  }
}

/** One post; a failure is counted and returned rather than thrown. */
async function tryPost(
  deps: DeliveryDependencies,
  delivery: Delivery,
  attempt: number,
): Promise<{ error: unknown } | undefined> {
  try {
    await delivery.post(attempt);
    return undefined;
  } catch (error) {
    deps.metrics?.error('platform');
    return { error };
  }
}

/** Posting `text` as the turn's reply: first into the streamed reply, on a retry into a reopened one. */
export function finishReply(
  reply: TurnReply,
  text: string,
  details: ReplyDetails,
): (attempt: number) => Promise<void> {
  return (attempt) => (attempt === 1 ? reply.stream : reply.reopen()).finish(text, details);
}
