import { ModelError, PreviousResponseLostError } from '../../app/errors.ts';
import type { Logger } from '../../app/logger.ts';
import type { CompletionRequest } from '../../model/model-client.ts';
import type { ReplyStream } from '../reply-channel.ts';
import { completeWithRetry, type ModelOutcome, type RetryDependencies } from './complete-with-retry.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What calling the model draws on. */
export type ModelDependencies = RetryDependencies & Pick<TurnDependencies, 'metrics'>;

/** What the model is asked, and where its answer streams to. */
export interface ModelCallInput {
  /** The first round's request. */
  request: CompletionRequest;
  /** The full request to resend when the server lost the response chain the first round continues. */
  rebuild: () => Promise<CompletionRequest>;
  /** The turn's reply, which shows the working indicator and then the streamed text. */
  reply: ReplyStream;
  /** Logger carrying the session. */
  log: Logger;
  /** When the turn's run must be over, ms since epoch: no model attempt outlasts it. */
  deadline: number;
}

/** How the model phase ended. */
export interface ModelCall {
  /** The last round's completion, or the error the call gave up on. */
  outcome: ModelOutcome;
  /**
   * Whether the response chain was lost (or outgrew the context window) and the conversation was resent from
   * the local transcript: the stored response id must not be continued again.
   */
  chainLost: boolean;
  /** When the first request started, ms since epoch. */
  started: number;
}

/**
 * Shows that the bot is working, then runs rounds of model calls into the reply until one needs no follow-up
 * (today no answer asks for one, so a turn is one round). Never throws for a model failure.
 */
export async function callModel(deps: ModelDependencies, input: ModelCallInput): Promise<ModelCall> {
  await input.reply.showWorking().catch((error: unknown) => {
    // Being unable to show "thinking…" is no reason to fail the turn.
    input.log.warn({ err: error }, 'could not show the working indicator');
  });
  const started = deps.now();
  let chainLost = false;
  let request = input.request;
  for (let round = 1; ; round++) {
    let outcome = await completeWithRetry(deps, request, input);
    if (round === 1 && isChainLost(outcome, request)) {
      // The server forgot the chain (expired or deleted), or the chain no longer fits the model's window:
      // rebuild it from the local transcript, which is trimmed to the budget.
      input.log.info('response chain lost; resending the conversation from the local transcript');
      chainLost = true;
      outcome = await completeWithRetry(deps, await input.rebuild(), input);
    }
    const next = followUpRequest(outcome);
    if (next === undefined) {
      const call: ModelCall = { outcome, chainLost, started };
      recordModelCall(deps, call);
      return call;
    }
    request = next;
  }
}

function isChainLost(outcome: ModelOutcome, request: CompletionRequest): boolean {
  if (!('error' in outcome)) return false;
  const { error } = outcome;
  if (error instanceof PreviousResponseLostError) return true;
  // A chain grown past the context window fails every later turn the same way unless it is rebuilt.
  return (
    request.previousResponseId !== undefined && error instanceof ModelError && error.kind === 'context_length'
  );
}

/**
 * The request that continues the turn after a round, or `undefined` when the round's answer is final. Every
 * answer is final until the model can call tools: their results will go back to it from here.
 */
function followUpRequest(_outcome: ModelOutcome): CompletionRequest | undefined {
  return undefined;
}

function recordModelCall(deps: ModelDependencies, call: ModelCall): void {
  const { metrics, model, now } = deps;
  if ('error' in call.outcome) {
    metrics?.modelCall(model.model, (now() - call.started) / 1000);
    metrics?.error('model');
  } else {
    metrics?.modelCall(model.model, (now() - call.started) / 1000, call.outcome.usage, call.outcome.costUsd);
  }
}
