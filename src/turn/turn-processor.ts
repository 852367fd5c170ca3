/**
 * The turn pipeline shared by every platform. A message turn runs through these phases (`phases/`), each
 * promising the next what it needs:
 * 1. load — the user's message (plus the thread context a new session is seeded with), the session's meta and
 *    the persona in force; a turn past a daily budget is declined and committed without its message.
 * 2. build request — the whole conversation within the token budget, or in Responses API mode only the new
 *    message chained to the last response.
 * 3. call model — streams into the reply, retries retryable failures and resends the whole conversation when
 *    the server lost the chain; a model failure becomes failure text, never a throw.
 * 4. deliver — finishes the reply; a failed post throws so the queue runs the turn again, except on the last run.
 * 5. commit — the user's message and the answer (only the message after a model failure) with usage, once.
 * 6. after commit — the usage ledger and the rolling summary.
 * Reset and command turns take their own short paths in the session's order; a turn whose runs ran out is
 * given up on: reported and committed without a reply, so a poison turn cannot block its session.
 */
import type { TurnProcessor } from '../queue/turn-queue.ts';
import { runCommandTurn } from './phases/run-command-turn.ts';
import { runMessageTurn } from './phases/run-message-turn.ts';
import { runResetTurn } from './phases/run-reset-turn.ts';
import { resolveTurnDependencies } from './phases/turn-dependencies.ts';
import type { TurnProcessorOptions } from './turn-processor-options.ts';

export { budgetText } from './phases/check-budget.ts';
export { modelFailureText } from './phases/turn-result.ts';
export type { TurnProcessorOptions } from './turn-processor-options.ts';

/** Creates the processor every worker runs its turns through. */
export function createTurnProcessor(options: TurnProcessorOptions): TurnProcessor {
  const deps = resolveTurnDependencies(options);
  return async (job) => {
    const { turn, seq } = job;
    const log = deps.logger.child({ sessionId: turn.sessionId, seq });
    deps.metrics?.turnStarted(deps.now() - turn.receivedAt);
    if (turn.kind === 'reset') return runResetTurn(deps, job, log);
    if (turn.kind === 'command') return runCommandTurn(deps, job, log);
    return runMessageTurn(deps, job, log);
  };
}
