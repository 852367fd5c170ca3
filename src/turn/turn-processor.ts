/**
 * The turn pipeline shared by every platform. A message turn runs through these phases (`phases/`), each
 * promising the next what it needs:
 * 1. load — the user's message (plus the thread context a new session is seeded with), the session's meta and
 *    the persona in force; a turn past a daily budget is declined and committed without its message.
 * 2. build request — the whole conversation within the token budget, or in Responses API mode only the new
 *    message chained to the last response.
 * 3. call model — streams into the reply, retries retryable failures (honouring `retry-after`) within the
 *    run's deadline (`turnDeadlineMs`) and resends the whole conversation when the server lost the chain or
 *    the chain outgrew the window; a model failure becomes failure text, never a throw.
 * 4. deliver and commit — posts the answer and commits it: the user's message and the answer (only the
 *    message after a model failure) with usage, once. A failed post commits first and then retries only the
 *    post, so the model is never asked twice for one turn.
 * 5. after commit — the usage ledger and the rolling summary (only for an applied commit of an answer).
 * Reset and command turns take their own short paths in the session's order, and so do the turns of
 * conversations as people have them: `listen` remembers a message without answering it; `edit` answers an
 * edited question again in place while it and its answer are the latest exchange, else amends the remembered
 * text; `delete` takes the answer with the question in the same case, else forgets the message (each stored
 * message keeps its platform `ref`, each answer the messages showing it). Every kind is settled the same
 * way (`settle-turn.ts`): a run that throws is retried by the queue, and once the runs are spent the turn is
 * given up on — reported where possible and committed — so no turn can block its session.
 */
import { receivedByParleyAt } from '../app/metrics.ts';
import type { TurnProcessor } from '../queue/turn-queue.ts';
import { withConversationModel } from './phases/conversation-model.ts';
import { runCommandTurn } from './phases/run-command-turn.ts';
import { runDeleteTurn } from './phases/run-delete-turn.ts';
import { runEditTurn } from './phases/run-edit-turn.ts';
import { runListenTurn } from './phases/run-listen-turn.ts';
import { runMessageTurn } from './phases/run-message-turn.ts';
import { runResetTurn } from './phases/run-reset-turn.ts';
import { settleTurn } from './phases/settle-turn.ts';
import { resolveTurnDependencies } from './phases/turn-dependencies.ts';
import { withTurnReads } from './phases/turn-reads.ts';
import type { TurnProcessorOptions } from './turn-processor-options.ts';

export { budgetText } from './phases/check-budget.ts';
export { modelFailureText, whenToTryAgain } from './phases/turn-result.ts';
export type { TurnProcessorOptions } from './turn-processor-options.ts';

/** Creates the processor every worker runs its turns through. */
export function createTurnProcessor(options: TurnProcessorOptions): TurnProcessor {
  const shared = resolveTurnDependencies(options);
  return async (job) => {
    const { turn, seq } = job;
    const deps = { ...shared, store: withTurnReads(shared.store) };
    const log = deps.logger.child({ sessionId: turn.sessionId, seq });
    await settleTurn(deps, job, log, async (run) => {
      const receivedAt = receivedByParleyAt(turn);
      const platformDelayMs = turn.acceptedAt === undefined ? undefined : turn.acceptedAt - turn.receivedAt;
      deps.metrics?.turnStarted(deps.now() - receivedAt, platformDelayMs);
      if (turn.kind === 'reset') return runResetTurn(deps, run, log);
      if (turn.kind === 'delete') return runDeleteTurn(deps, run, log);
      // The conversation's model (`model <name>`): its client, counter and budget for everything below.
      const modelDeps = await withConversationModel(deps, turn);
      switch (turn.kind) {
        case 'command':
          return runCommandTurn(modelDeps, run, log);
        case 'listen':
          return runListenTurn(modelDeps, run, log);
        case 'edit':
          return runEditTurn(modelDeps, run, log);
        default:
          return runMessageTurn(modelDeps, run, log);
      }
    });
  };
}
