import OpenAI from 'openai';
import { ModelError } from '../app/errors.ts';

/**
 * Error handling shared by the openai-SDK model clients: the same mapping of SDK and stream failures to
 * `ModelError` (with `isRetryable`), key redaction and `retry-after` handling as the chat-completions client.
 */

/** What `toModelError` needs to word its message. */
export interface ErrorContext {
  /** Host of the endpoint, for messages (`describeEndpoint`). */
  endpoint: string;
  /** The configured per-attempt timeout, for the timeout message. */
  timeoutMs: number;
  /** Strips keys from text bound for errors and logs (`secretRedactor`). */
  redact: (text: string) => string;
  /** The caller's abort signal: an abort it caused is reported as such, whatever the SDK threw. */
  outerSignal: AbortSignal | undefined;
}

/**
 * The SDK sleeps for whatever `retry-after` says, without a ceiling and deaf to abort signals. Past the cap we
 * tell it not to retry (`x-should-retry: false`), so the error reaches the caller with `retryAfterSeconds` and the
 * queue decides when to try again instead of a worker sleeping for minutes.
 */
export function capRetryAfter(maxSeconds: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.ok) return response;
    const seconds = retryAfterSeconds(response.headers);
    if (seconds === undefined || seconds <= maxSeconds) return response;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

/** The error for a request the caller aborted. */
export function abortedError(reason: unknown): ModelError {
  // Retryable: the request itself was fine, it was interrupted (typically by a shutdown), so the turn may run again.
  return new ModelError('The model request was aborted', { isRetryable: true, cause: reason });
}

/** The error for a stream that ended cleanly but never said the reply was finished. */
export function unfinishedStreamError(endpoint: string): ModelError {
  // Retryable: a proxy or server cut the stream short; a complete reply may well come next time.
  return new ModelError(`The model stream from ${endpoint} ended before the reply was finished`, {
    isRetryable: true,
  });
}

/** The error for a reply the endpoint's content filter stopped: the same prompt would be stopped again. */
export function contentFilterError(): ModelError {
  return new ModelError(`The endpoint's content filter stopped the reply`, { isRetryable: false });
}

/**
 * The error for a reply with no text (chat platforms reject empty messages): retryable, except when the token
 * cap was spent before any text (`length`). `reported` says whether the endpoint itself gave the finish reason,
 * in which case the message names it.
 */
export function emptyReplyError(finishReason: string, reported: boolean): ModelError {
  if (finishReason === 'length') {
    return new ModelError(
      'The model used its whole reply budget without writing any text; raise MAX_REPLY_TOKENS',
      { isRetryable: false },
    );
  }
  const detail = reported ? ` (finish reason ${finishReason})` : '';
  return new ModelError(`The model returned an empty reply${detail}`, { isRetryable: true });
}

/** The host of a base URL, for messages that must not carry paths or credentials. */
export function describeEndpoint(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'the model endpoint';
  }
}

/** Removes the configured key and anything shaped like an OpenAI key from text bound for errors and logs. */
export function secretRedactor(apiKey: string | undefined): (text: string) => string {
  return (text) => {
    let clean = text;
    if (apiKey && apiKey.length >= 4) clean = clean.split(apiKey).join('[redacted]');
    return clean.replace(/\bsk-[A-Za-z0-9_*.-]{4,}/g, '[redacted]');
  };
}

const RETRYABLE_STATUS = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500;

const STATUS_HINTS: Record<number, string> = {
  401: 'check OPENAI_API_KEY',
  403: 'check the key’s permissions and OPENAI_BASE_URL',
  404: 'check MODEL and OPENAI_BASE_URL',
};

/** Maps whatever the SDK or the stream threw to a `ModelError` that says whether to try again. */
export function toModelError(error: unknown, context: ErrorContext): ModelError {
  if (error instanceof ModelError) return error;
  if (context.outerSignal?.aborted) return abortedError(context.outerSignal.reason);
  if (error instanceof OpenAI.APIUserAbortError) return abortedError(error);
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelError(
      `The model request to ${context.endpoint} timed out after ${context.timeoutMs} ms`,
      { isRetryable: true, cause: error },
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ModelError(`Could not reach the model endpoint ${context.endpoint}`, {
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIError) {
    const cause = safeCause(error, context.redact);
    const status = error.status;
    const detail = shorten(context.redact(apiErrorMessage(error)));
    const contentFiltered = error.code === 'content_filter' || error.code === 'content_policy_violation';
    if (status === undefined) {
      // An error event inside an already-started stream: no status; transient unless it blames the request.
      return new ModelError(`The model stream from ${context.endpoint} reported an error: ${detail}`, {
        isRetryable: !contentFiltered && error.type !== 'invalid_request_error',
        cause,
      });
    }
    const hint = STATUS_HINTS[status];
    return new ModelError(
      `The model endpoint ${context.endpoint} answered ${status}: ${detail}${hint ? ` (${hint})` : ''}`,
      {
        isRetryable: !contentFiltered && RETRYABLE_STATUS(status),
        status,
        retryAfterSeconds: retryAfterSeconds(error.headers),
        cause,
      },
    );
  }
  // Anything else broke the stream itself: the socket closed mid-reply (undici's "terminated"), bad SSE JSON.
  const reason = error instanceof Error ? error.message : String(error);
  return new ModelError(
    `The model stream from ${context.endpoint} broke off: ${shorten(context.redact(reason))}`,
    { isRetryable: true, cause: error },
  );
}

/**
 * The SDK error as a cause, unless its text carries the key (a 401 body can quote it): then a plain error with
 * the redacted message, so a logger that serialises causes cannot leak it.
 */
function safeCause(error: InstanceType<typeof OpenAI.APIError>, redact: (text: string) => string): Error {
  const text = `${error.message} ${JSON.stringify(error.error) ?? ''}`;
  if (redact(text) === text) return error;
  const clean = new Error(redact(error.message));
  clean.name = error.name;
  return clean;
}

function apiErrorMessage(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message) return body.message;
  // The SDK's own message starts with the status, which the caller adds anyway.
  return error.message.replace(/^\d{3}\s+/, '');
}

/** Collapses whitespace and cuts long text, so one error stays one readable log line. */
export function shorten(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date), when present. */
export function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const milliseconds = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds / 1000;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
