import { ModelError } from '../../app/errors.ts';
import type { StoredMessage, UsageDelta } from '../../history/history-store.ts';
import { toStoredMessage } from '../../prompt/render-message.ts';
import type { ReplyDetails } from '../reply-channel.ts';
import type { ModelCall } from './call-model.ts';
import type { PendingMessages } from './load-turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What a message turn shows and stores once the model phase is over. */
export interface TurnResult {
  /** How the turn ended, as logged and counted. */
  outcome: 'answered' | 'model_error';
  /** What the user reads: the answer, or why there is none. */
  text: string;
  /** Facts shown with the reply. */
  details: ReplyDetails;
  /** Messages to commit: the seeded context, the user's message, and the answer when there is one. */
  messages: StoredMessage[];
  /** Usage of the model call, when it succeeded. */
  usage: UsageDelta | undefined;
  /** The response chain to continue next: a new id, `null` to drop a lost one, `undefined` to keep it. */
  responseId: string | null | undefined;
}

/** What the user reads when the model could not answer. */
export function modelFailureText(error: unknown): string {
  if (error instanceof ModelError) {
    if (error.kind === 'quota')
      return "⚠️ The model's account is out of credit or over its quota, so I could not answer. An operator needs to check its billing.";
    if (error.kind === 'rate_limit')
      return `⚠️ The model is rate-limited right now and could not answer. Please try again ${whenToTryAgain(error.retryAfterSeconds)}.`;
    if (error.isRetryable)
      return '⚠️ The model is not responding right now, so I could not answer. Please try again shortly.';
    return `⚠️ The model rejected the request${error.status ? ` (HTTP ${error.status})` : ''}, so I could not answer. An operator may need to check the configuration.`;
  }
  return '⚠️ Something went wrong while answering. Please try again.';
}

/** A `retry-after` in words: "in a minute", "in about 20 minutes", "in about 2 hours". */
export function whenToTryAgain(retryAfterSeconds: number | undefined): string {
  if (retryAfterSeconds === undefined || retryAfterSeconds <= 60) return 'in a minute';
  const minutes = Math.ceil(retryAfterSeconds / 60);
  if (minutes < 60) return `in about ${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return `in about ${hours} hour${hours === 1 ? '' : 's'}`;
}

/**
 * Settles the model call into the turn's result. A failed call still commits the user's message (without a
 * reply), so the history stays consistent.
 */
export function toTurnResult(
  deps: Pick<TurnDependencies, 'counter' | 'now'>,
  pending: PendingMessages,
  call: ModelCall,
): TurnResult {
  const messages = [...pending.seeded, pending.userMessage];
  const { outcome } = call;
  if ('error' in outcome) {
    return {
      outcome: 'model_error',
      text: modelFailureText(outcome.error),
      details: { isError: true },
      messages,
      usage: undefined,
      responseId: call.chainLost ? null : undefined,
    };
  }
  return {
    outcome: 'answered',
    text: outcome.text,
    details: { isError: false, usage: outcome.usage, costUsd: outcome.costUsd },
    messages: [
      ...messages,
      toStoredMessage({ role: 'assistant', content: outcome.text, at: deps.now() }, deps.counter),
    ],
    usage: { ...outcome.usage, costUsd: outcome.costUsd },
    // A rebuilt chain that came back without an id of its own must still drop the old one.
    responseId: outcome.responseId ?? (call.chainLost ? null : undefined),
  };
}
