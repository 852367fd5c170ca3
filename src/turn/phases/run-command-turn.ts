import type { Logger } from '../../app/logger.ts';
import { receivedByParleyAt } from '../../app/metrics.ts';
import { type CommandContext, runCommand } from '../../commands/run-command.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import { answerInvoker } from './answer-invoker.ts';
import { deliverAndCommit } from './deliver.ts';
import { replyChannelFor, type TurnDependencies } from './turn-dependencies.ts';

/** What a command turn draws on. */
export type CommandTurnDependencies = Pick<
  TurnDependencies,
  | 'store'
  | 'ledger'
  | 'feedback'
  | 'prompt'
  | 'admin'
  | 'now'
  | 'replyChannels'
  | 'metrics'
  | 'retryDelayMs'
  | 'sleep'
  | 'turnDeadlineMs'
  | 'tools'
  | 'models'
>;

/**
 * Runs a command in the session's order, answers the invoker (privately where the platform can) and commits
 * what the command changed. The command runs only once this worker is known to be able to answer on the
 * turn's platform, and at most once per run: a failed answer is retried on its own after the commit, never
 * by running the command again.
 */
export async function runCommandTurn(
  deps: CommandTurnDependencies,
  job: TurnJob,
  log: Logger,
): Promise<void> {
  const { turn, seq } = job;
  const deadline = deps.now() + deps.turnDeadlineMs;
  const channel = replyChannelFor(deps, turn);
  const outcome = await runCommand(turn, seq, commandContext(deps));
  const applied = await deliverAndCommit(deps, {
    post: answerInvoker(channel, job, outcome.response),
    commit: () => deps.store.commitTurn(turn.sessionId, { ...outcome.commit, receivedAt: turn.receivedAt }),
    deadline,
    log,
    what: 'command answer',
  });
  if (!applied) {
    log.warn({ command: turn.command?.name }, 'the command turn was already committed by another run');
    return;
  }
  log.info({ command: turn.command?.name }, 'command done');
  deps.metrics?.turnDone('command', receivedByParleyAt(turn));
}

function commandContext(deps: CommandTurnDependencies): CommandContext {
  return {
    store: deps.store,
    ledger: deps.ledger,
    systemPrompt: deps.prompt.systemPrompt,
    adminUsers: deps.admin?.users ?? [],
    adminCommands: deps.admin?.commands ?? [],
    now: deps.now(),
    ...(deps.tools ? { tools: deps.tools } : {}),
    ...(deps.feedback ? { feedback: deps.feedback } : {}),
    ...(deps.models ? { models: deps.models } : {}),
  };
}
