import { isRetryable } from '../../app/errors.ts';
import type { Logger } from '../../app/logger.ts';
import type { CompletionRequest, CompletionResult } from '../../model/model-client.ts';
import type { ReplyStream } from '../reply-channel.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** A model call's end: the completion, or the error it gave up on. */
export type ModelOutcome = CompletionResult | { error: unknown };

/**
 * One model request, streamed into the reply and tried up to `modelAttempts` times while its failure is
 * retryable. Never throws: the caller decides what a failure means for the turn.
 */
export async function completeWithRetry(
  deps: Pick<TurnDependencies, 'model' | 'modelAttempts' | 'retryDelayMs'>,
  request: CompletionRequest,
  reply: ReplyStream,
  log: Logger,
): Promise<ModelOutcome> {
  for (let attempt = 1; ; attempt++) {
    // Each attempt streams from scratch, so the reply shows only the current attempt's text.
    let text = '';
    try {
      return await deps.model.complete({
        ...request,
        onDelta: (delta) => {
          text += delta;
          reply.update(text);
        },
      });
    } catch (error) {
      const retry = isRetryable(error) && attempt < deps.modelAttempts;
      log.warn({ attempt, retry, err: error }, 'model call failed');
      if (!retry) return { error };
      await new Promise((resolve) => setTimeout(resolve, deps.retryDelayMs(attempt)));
    }
  }
}
