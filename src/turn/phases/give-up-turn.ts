import type { Logger } from '../../app/logger.ts';
import { receivedByParleyAt } from '../../app/metrics.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import { answerInvoker } from './answer-invoker.ts';
import { pendingMessages } from './load-turn.ts';
import { openTurnReply, type TurnDependencies } from './turn-dependencies.ts';

/** What the user reads when a message is skipped after its runs ran out. */
export const GIVE_UP_TEXT =
  '⚠️ I could not answer this message after several attempts, so I skipped it. Please send it again.';

/** What the invoker reads when a command (or a reset) is skipped after its runs ran out. */
export const COMMAND_GIVE_UP_TEXT =
  '⚠️ I could not run this command after several attempts, so I skipped it. Please try it again.';

/** What giving up draws on. */
export type GiveUpDependencies = Pick<TurnDependencies, 'store' | 'counter' | 'metrics' | 'replyChannels'>;

/**
 * Settles a turn whose runs all failed (they threw, or the process died during them): tells the user, where
 * this worker can reach the platform, and commits the turn — a message without a reply, a command or reset
 * without its effect — so the session moves on. Telling cannot fail the give-up; only the commit can.
 */
export async function giveUpTurn(
  deps: GiveUpDependencies,
  job: TurnJob,
  failed: { log: Logger; error?: unknown },
): Promise<void> {
  const { turn, seq } = job;
  const { log } = failed;
  log.error({ attempt: job.attempt, err: failed.error }, 'giving up on a turn that keeps failing');
  // A message (answered or listened to) stays in the conversation; other kinds change nothing.
  const messages =
    turn.kind === 'message' || turn.kind === 'listen'
      ? await pendingMessages(deps, turn).then((pending) => [...pending.seeded, pending.userMessage])
      : [];
  await tellGaveUp(deps, job, log);
  const applied = await deps.store.commitTurn(turn.sessionId, {
    seq,
    messages,
    scopeId: turn.scopeId ?? turn.sessionId,
    receivedAt: turn.receivedAt,
  });
  if (applied) deps.metrics?.turnDone('gave_up', receivedByParleyAt(turn));
}

async function tellGaveUp(deps: GiveUpDependencies, job: TurnJob, log: Logger): Promise<void> {
  const { kind, target } = job.turn;
  const isMessage = kind === 'message';
  // Only a message or a command asked the bot for something; other turns are skipped silently.
  if (!isMessage && kind !== 'command' && kind !== 'reset') return;
  const channel = deps.replyChannels[target.platform];
  if (!channel) {
    log.warn(
      { platform: target.platform },
      'cannot report the skipped turn: this worker has no reply channel for its platform',
    );
    return;
  }
  const post = isMessage
    ? () => openTurnReply(channel, job).stream.finish(GIVE_UP_TEXT, { isError: true })
    : answerInvoker(channel, job, { text: COMMAND_GIVE_UP_TEXT }, true);
  await post(1).catch((error: unknown) => {
    deps.metrics?.error('platform');
    log.warn({ err: error }, 'could not report the skipped turn');
  });
}
