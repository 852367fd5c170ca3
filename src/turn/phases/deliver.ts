import type { Logger } from '../../app/logger.ts';
import type { ReplyStream } from '../reply-channel.ts';
import type { TurnDependencies } from './turn-dependencies.ts';
import type { TurnResult } from './turn-result.ts';

/** One answer to post, and what to do if posting fails. */
export interface Delivery {
  /** Posts the answer. */
  post: () => Promise<void>;
  /** Whether this is the turn's last run, which must settle the turn even if nobody sees the answer. */
  lastRun: boolean;
  /** Logger carrying the session. */
  log: Logger;
  /** Logged when posting failed on the last run. */
  lastRunFailure: string;
}

/**
 * Posts an answer. A failed post throws, so the queue runs the whole turn again (what was posted so far is
 * edited, not duplicated) — unless this is the last run, where the turn is committed anyway.
 */
export async function deliver(deps: Pick<TurnDependencies, 'metrics'>, delivery: Delivery): Promise<void> {
  try {
    await delivery.post();
  } catch (error) {
    deps.metrics?.error('platform');
    if (!delivery.lastRun) throw error;
    delivery.log.error({ err: error }, delivery.lastRunFailure);
  }
}

/** Finishes a message turn's reply with its answer or its failure text. */
export function deliverReply(
  deps: Pick<TurnDependencies, 'metrics'>,
  delivery: { reply: ReplyStream; result: TurnResult; lastRun: boolean; log: Logger },
): Promise<void> {
  const { reply, result } = delivery;
  return deliver(deps, {
    post: () => reply.finish(result.text, result.details),
    lastRun: delivery.lastRun,
    log: delivery.log,
    lastRunFailure: 'could not post the reply on the last attempt; committing it anyway',
  });
}
