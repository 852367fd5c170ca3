import type { Logger } from '../../app/logger.ts';
import { type CommandContext, runCommand } from '../../commands/run-command.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { CommandResponse, ReplyChannel } from '../reply-channel.ts';
import { deliver } from './deliver.ts';
import { openReplyStream, replyChannelFor, type TurnDependencies } from './turn-dependencies.ts';

/** What a command turn draws on. */
export type CommandTurnDependencies = Pick<
  TurnDependencies,
  'store' | 'ledger' | 'prompt' | 'admin' | 'now' | 'replyChannels' | 'metrics'
>;

/**
 * Runs a command in the session's order, answers the invoker (privately where the platform can) and commits
 * what the command changed. Posting follows the message turn's rule: throw to retry, except on the last run.
 */
export async function runCommandTurn(
  deps: CommandTurnDependencies,
  job: TurnJob,
  log: Logger,
): Promise<void> {
  const { turn, seq } = job;
  const outcome = await runCommand(turn, seq, commandContext(deps));
  const channel = replyChannelFor(deps, turn);
  await deliver(deps, {
    post: () => answerInvoker(channel, job, outcome.response),
    lastRun: job.attempt >= job.maxAttempts,
    log,
    lastRunFailure: 'could not answer the command on the last attempt',
  });
  await deps.store.commitTurn(turn.sessionId, outcome.commit);
  log.info({ command: turn.command?.name }, 'command done');
  deps.metrics?.turnDone('command', turn.receivedAt);
}

function commandContext(deps: CommandTurnDependencies): CommandContext {
  return {
    store: deps.store,
    ledger: deps.ledger,
    systemPrompt: deps.prompt.systemPrompt,
    adminUsers: deps.admin?.users ?? [],
    adminCommands: deps.admin?.commands ?? [],
    now: deps.now(),
  };
}

/** Without a private channel, the answer is posted in the conversation like a reply. */
async function answerInvoker(channel: ReplyChannel, job: TurnJob, response: CommandResponse): Promise<void> {
  if (channel.respond) await channel.respond(job.turn.target, response);
  else await openReplyStream(channel, job).finish(response.text, { isError: false });
}
