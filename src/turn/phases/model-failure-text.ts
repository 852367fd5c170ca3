import { ModelError } from '../../app/errors.ts';
import { describeModelError } from '../../model/describe-model-error.ts';

/** Who reads a failure: in the terminal chat its user runs the bot, so the server's own words help them. */
export interface FailureAudience {
  /** The reader is the operator (the console): the server's message and the endpoint are added. */
  operator: boolean;
}

/**
 * What the user reads when the model could not answer. Passing trouble (an outage, a timeout, a rate limit and
 * when to try again) is told in words that ask for patience; a lasting cause (a wrong key, a missing model, a
 * request the endpoint refuses) is named by `describeModelError`, with the server's own message and the
 * endpoint for an operator.
 */
export function modelFailureText(error: unknown, audience: FailureAudience = { operator: false }): string {
  if (!(error instanceof ModelError)) return '⚠️ Something went wrong while answering. Please try again.';
  return `⚠️ ${causeAndRemedy(error)}${audience.operator ? operatorDetails(error) : ''}`;
}

/** A `retry-after` in words: "in a minute", "in about 20 minutes", "in about 2 hours". */
export function whenToTryAgain(retryAfterSeconds: number | undefined): string {
  if (retryAfterSeconds === undefined || retryAfterSeconds <= 60) return 'in a minute';
  const minutes = Math.ceil(retryAfterSeconds / 60);
  if (minutes < 60) return `in about ${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return `in about ${hours} hour${hours === 1 ? '' : 's'}`;
}

function causeAndRemedy(error: ModelError): string {
  if (error.kind === 'quota')
    return "The model's account is out of credit or over its quota, so I could not answer. An operator needs to check its billing.";
  if (error.kind === 'rate_limit')
    return `The model is rate-limited right now and could not answer. Please try again ${whenToTryAgain(error.retryAfterSeconds)}.`;
  if (error.isRetryable)
    return 'The model is not responding right now, so I could not answer. Please try again shortly.';
  const cause = describeModelError(error, { operator: false });
  if (error.kind === 'content_filter' || error.kind === 'aborted') return `${cause} I could not answer.`;
  return `${cause} I could not answer; an operator may need to check the configuration.`;
}

/** The server's message and the endpoint, as `describeModelError` adds them for an operator. */
function operatorDetails(error: ModelError): string {
  const plain = describeModelError(error, { operator: false });
  const full = describeModelError(error, { operator: true });
  return full.startsWith(plain) ? full.slice(plain.length) : '';
}
