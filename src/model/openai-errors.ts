import OpenAI from 'openai';
import { ModelError, type ModelErrorKind } from '../app/errors.ts';
import { classifyEndpointFailure, isTransientFailure } from './classify-model-error.ts';
import { retryAfterSeconds } from './model-fetch.ts';

/**
 * Error handling shared by the openai-SDK model clients: SDK and stream failures mapped to a `ModelError` that
 * says whether to try again (`isRetryable`), why it failed (`kind`, from `classify-model-error.ts`), what the
 * server said (`serverMessage`) and where the request went (`endpoint`, `model`); keys are redacted throughout.
 */

/** Where a model call went, as named in its errors. */
export interface ErrorOrigin {
  /** Host of the endpoint, for messages (`describeEndpoint`). */
  endpoint: string;
  /** Base URL without credentials or query (`publicEndpointUrl`), recorded on the error for operators. */
  endpointUrl?: string;
  /** The configured model, recorded on the error. */
  model?: string;
}

/** What `toModelError` needs to word its message. */
export interface ErrorContext extends ErrorOrigin {
  /** The configured per-attempt timeout, for the timeout message. */
  timeoutMs: number;
  /** Strips keys from text bound for errors and logs (`secretRedactor`). */
  redact: (text: string) => string;
  /** The caller's abort signal: an abort it caused is reported as such, whatever the SDK threw. */
  outerSignal: AbortSignal | undefined;
}

/** The origin of a client's calls: host for messages, public URL and model for the errors. */
export function errorOrigin(baseUrl: string, model: string): Required<ErrorOrigin> {
  return { endpoint: describeEndpoint(baseUrl), endpointUrl: publicEndpointUrl(baseUrl), model };
}

/** The `ModelError` fields that say where the request went. */
export function originFields(origin: ErrorOrigin | undefined): { endpoint?: string; model?: string } {
  return { endpoint: origin?.endpointUrl, model: origin?.model };
}

/** The error for a request the caller aborted. */
export function abortedError(reason: unknown, origin?: ErrorOrigin): ModelError {
  // Retryable: the request itself was fine, it was interrupted (typically by a shutdown), so the turn may run again.
  return new ModelError('The model request was aborted', {
    isRetryable: true,
    kind: 'aborted',
    cause: reason,
    ...originFields(origin),
  });
}

/** The error for a stream that ended cleanly but never said the reply was finished. */
export function unfinishedStreamError(origin: ErrorOrigin): ModelError {
  // Retryable: a proxy or server cut the stream short; a complete reply may well come next time.
  return new ModelError(`The model stream from ${origin.endpoint} ended before the reply was finished`, {
    isRetryable: true,
    kind: 'unavailable',
    ...originFields(origin),
  });
}

/**
 * The error for a reply the endpoint's content filter stopped: the same prompt would be stopped again.
 * `serverMessage` names what the filter flagged, when the endpoint said (Azure's `content_filter_results`).
 */
export function contentFilterError(origin: ErrorOrigin, serverMessage?: string): ModelError {
  return new ModelError(`The endpoint's content filter stopped the reply`, {
    isRetryable: false,
    kind: 'content_filter',
    serverMessage,
    ...originFields(origin),
  });
}

/**
 * The error for a reply with no text (chat platforms reject empty messages): retryable, except when the token
 * cap was spent before any text (`length`). `reported` says whether the endpoint itself gave the finish reason,
 * in which case the message names it.
 */
export function emptyReplyError(finishReason: string, reported: boolean, origin: ErrorOrigin): ModelError {
  if (finishReason === 'length') {
    return new ModelError(
      'The model used its whole reply budget without writing any text; raise MAX_REPLY_TOKENS',
      { isRetryable: false, kind: 'empty_reply', ...originFields(origin) },
    );
  }
  const detail = reported ? ` (finish reason ${finishReason})` : '';
  return new ModelError(`The model returned an empty reply${detail}`, {
    isRetryable: true,
    kind: 'empty_reply',
    ...originFields(origin),
  });
}

/** The host of a base URL, for messages that must not carry paths or credentials. */
export function describeEndpoint(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'the model endpoint';
  }
}

/** A base URL fit to show an operator: no user name, password, query or fragment (where keys may hide). */
export function publicEndpointUrl(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.origin}${url.pathname}`.replace(/\/$/, '');
  } catch {
    return 'the configured model endpoint';
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

const STATUS_HINTS: Record<number, string> = {
  401: 'check OPENAI_API_KEY',
  403: 'check the key’s permissions and OPENAI_BASE_URL',
  404: 'check MODEL and OPENAI_BASE_URL',
};

const KIND_HINTS: Partial<Record<ModelErrorKind, string>> = {
  quota: 'add credit or raise the plan’s limit; retrying will not help',
  context_length: 'keep MAX_CONTEXT_TOKENS within the model’s context window',
};

/** Maps whatever the SDK or the stream threw to a `ModelError` that says whether to try again, and why. */
export function toModelError(error: unknown, context: ErrorContext): ModelError {
  if (error instanceof ModelError) return error;
  if (context.outerSignal?.aborted) return abortedError(context.outerSignal.reason, context);
  if (error instanceof OpenAI.APIUserAbortError) return abortedError(error, context);
  const origin = originFields(context);
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelError(
      `The model request to ${context.endpoint} timed out after ${context.timeoutMs} ms`,
      { isRetryable: true, kind: 'timeout', cause: error, ...origin },
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ModelError(`Could not reach the model endpoint ${context.endpoint}`, {
      isRetryable: true,
      kind: 'unavailable',
      cause: error,
      ...origin,
    });
  }
  if (error instanceof OpenAI.APIError) return apiError(error, context);
  // Anything else broke the stream itself: the socket closed mid-reply (undici's "terminated"), bad SSE JSON.
  const reason = error instanceof Error ? error.message : String(error);
  return new ModelError(
    `The model stream from ${context.endpoint} broke off: ${shorten(context.redact(reason))}`,
    { isRetryable: true, kind: 'unavailable', cause: error, ...origin },
  );
}

/** An error the endpoint answered: an HTTP error status, or an error event inside a started stream (no status). */
function apiError(error: InstanceType<typeof OpenAI.APIError>, context: ErrorContext): ModelError {
  const status = error.status;
  const serverMessage = shorten(context.redact(apiErrorMessage(error)), 500);
  const kind = classifyEndpointFailure({
    status,
    code: error.code,
    type: error.type,
    message: serverMessage,
  });
  const options = {
    isRetryable: isTransientFailure(kind, status),
    kind,
    serverMessage,
    cause: safeCause(error, context.redact),
    ...originFields(context),
  };
  const detail = shorten(serverMessage);
  if (status === undefined) {
    return new ModelError(`The model stream from ${context.endpoint} reported an error: ${detail}`, options);
  }
  const hint = KIND_HINTS[kind] ?? STATUS_HINTS[status];
  return new ModelError(
    `The model endpoint ${context.endpoint} answered ${status}: ${detail}${hint ? ` (${hint})` : ''}`,
    { ...options, status, retryAfterSeconds: retryAfterSeconds(error.headers) },
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
