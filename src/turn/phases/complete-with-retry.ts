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
  target: { reply: ReplyStream; log: Logger; deadline: number },
): Promise<ModelOutcome> {
  const { reply, log, deadline } = target;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.model.complete({
        ...request,
        signal: AbortSignal.timeout(Math.max(1, deadline - deps.now())),
        // The client hands over the whole text of this attempt, so a retry's reply replaces the earlier one.
        onDelta: (_delta, text) => reply.update(text),
      });
    } catch (error) {
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

function isOutOfQuota(error: unknown): boolean {
  return error instanceof ModelError && error.kind === 'quota';
}
