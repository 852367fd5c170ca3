import { isRetryable, ModelError } from '../../app/errors.ts';
import type { Logger } from '../../app/logger.ts';
import type { CompletionRequest, CompletionResult } from '../../model/model-client.ts';
import type { ReplyStream } from '../reply-channel.ts';
import { retryWaitMs } from './retry-wait.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** A model call's end: the completion, or the error it gave up on. */
export type ModelOutcome = CompletionResult | { error: unknown };

/** What retrying a model request draws on. */
export type RetryDependencies = Pick<
  TurnDependencies,
  'model' | 'modelAttempts' | 'retryDelayMs' | 'now' | 'sleep'
>;

/**
 * One model request, streamed into the reply and tried up to `modelAttempts` times while its failure is
 * retryable, all before `deadline` (ms since epoch): each attempt is aborted at the deadline, and a retry
 * whose wait — the backoff, or the endpoint's `retry-after` when longer — would end past it is not made.
 * Out of credit (`quota`) is never retried: waiting does not bring money back. Never throws: the caller
 * decides what a failure means for the turn.
 */
export async function completeWithRetry(
  deps: RetryDependencies,
  request: CompletionRequest,
  target: { reply: ReplyStream; log: Logger; deadline: number; stop?: AbortSignal },
): Promise<ModelOutcome> {
  const { reply, log, deadline, stop } = target;
  let partial = '';
  for (let attempt = 1; ; attempt++) {
    if (stop?.aborted) return stoppedAnswer(partial, deps.model.model);
    try {
      const timeout = AbortSignal.timeout(Math.max(1, deadline - deps.now()));
      return await deps.model.complete({
        ...request,
        signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
        // The client hands over the whole text of this attempt, so a retry's reply replaces the earlier one.
        onDelta: (_delta, text) => {
          partial = text;
          reply.update(text);
        },
      });
    } catch (error) {
      if (stop?.aborted) {
        log.info({ chars: partial.length }, 'answer stopped by the user');
        return stoppedAnswer(partial, deps.model.model);
      }
      const waitMs = retryWaitMs(error, deps.retryDelayMs(attempt));
      const worthRetrying = isRetryable(error) && !isOutOfQuota(error) && attempt < deps.modelAttempts;
      const inTime = deps.now() + waitMs <= deadline;
      const retry = worthRetrying && inTime;
      log.warn(
        { attempt, retry, waitMs, pastDeadline: worthRetrying && !inTime, err: error },
        'model call failed',
      );
      if (!retry) return { error };
      await deps.sleep(waitMs);
    }
  }
}

/** Appended to an answer someone stopped, so readers (and the model, next turn) see it is cut short. */
export const STOPPED_MARK = '_(stopped)_';

/**
 * The answer as far as it got when Stop was pressed, marked as stopped. The endpoint reported no usage for the
 * cut-off stream, so none is counted (`usageEstimated`).
 */
function stoppedAnswer(partial: string, model: string): CompletionResult {
  const text = partial.trim() === '' ? STOPPED_MARK : `${partial}\n\n${STOPPED_MARK}`;
  return {
    text,
    usage: { promptTokens: 0, completionTokens: 0 },
    usageEstimated: true,
    costUsd: 0,
    model,
    finishReason: 'stopped',
  };
}

function isOutOfQuota(error: unknown): boolean {
  return error instanceof ModelError && error.kind === 'quota';
}
