import type { Logger } from '../../app/logger.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { ReplyStream } from '../reply-channel.ts';
import type { PendingMessages } from './load-turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What the user reads when a turn is skipped after its runs ran out. */
export const GIVE_UP_TEXT =
  '⚠️ I could not answer this message after several attempts, so I skipped it. Please send it again.';

/**
 * Settles a turn whose earlier runs all died without settling it (e.g. the process crashed each time): tells
 * the user, if the platform lets us, and commits the message without a reply, so the session moves on.
 */
export async function giveUpTurn(
  deps: Pick<TurnDependencies, 'store' | 'metrics'>,
  job: TurnJob,
  skipped: { reply: ReplyStream; pending: PendingMessages; log: Logger },
): Promise<void> {
  const { turn, seq } = job;
  const { reply, pending, log } = skipped;
  log.error({ attempt: job.attempt }, 'giving up on a turn that keeps failing');
  await reply.finish(GIVE_UP_TEXT, { isError: true }).catch((error: unknown) => {
    log.warn({ err: error }, 'could not report the skipped turn');
  });
  await deps.store.commitTurn(turn.sessionId, {
    seq,
    messages: [...pending.seeded, pending.userMessage],
    scopeId: turn.scopeId ?? turn.sessionId,
  });
  deps.metrics?.turnDone('gave_up', turn.receivedAt);
}
