import type { Logger } from '../../app/logger.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { ReplyStream } from '../reply-channel.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** Answers a turn past its daily budget with why, and commits it without its message. */
export async function declineTurn(
  deps: Pick<TurnDependencies, 'store' | 'metrics'>,
  job: TurnJob,
  declined: { reply: ReplyStream; text: string; log: Logger },
): Promise<void> {
  const { turn, seq } = job;
  await declined.reply.finish(declined.text, { isError: true });
  // The model never saw the message, so it is not part of the conversation.
  await deps.store.commitTurn(turn.sessionId, { seq, messages: [], scopeId: turn.scopeId ?? turn.sessionId });
  declined.log.info('declined: daily budget used');
  deps.metrics?.turnDone('declined', turn.receivedAt);
}
