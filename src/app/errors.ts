/** Base of every error Parley raises on purpose: a stable `code` and the underlying `cause`. */
export class ParleyError extends Error {
  /** Machine-readable kind of failure, e.g. `config`, `model`, `platform`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration problem; the message names the variable and how to fix it. */
export class ConfigError extends ParleyError {
  /** The environment variable at fault, when one is. */
  readonly variable: string | undefined;

  constructor(message: string, variable?: string) {
    super('config', message);
    this.variable = variable;
  }
}

/**
 * Why a model call failed, as far as the endpoint's answer tells: what a message to the user names and what the
 * caller does next (see `describeModelError` in `src/model/`).
 */
export type ModelErrorKind =
  /** The endpoint rejected the key (401, 403). */
  | 'auth'
  /** The configured model (or Azure deployment) is not on that server. */
  | 'model_not_found'
  /** The prompt is longer than the model's context window. */
  | 'context_length'
  /** Too many requests or tokens for now; `retryAfterSeconds` says how long to wait, when the endpoint said. */
  | 'rate_limit'
  /** The account is out of credit or over its billing quota: waiting does not help. */
  | 'quota'
  /** The provider's content filter refused the prompt or stopped the answer. */
  | 'content_filter'
  /** The endpoint failed or could not be reached (5xx, connection errors, a stream that broke off). */
  | 'unavailable'
  /** No answer in time: the request timed out or the stream stalled. */
  | 'timeout'
  /** The endpoint refused the request for another reason (400, 422, an unknown route). */
  | 'bad_request'
  /** The model answered without any text. */
  | 'empty_reply'
  /** The caller aborted the request (typically a shutdown). */
  | 'aborted';

/** What a `ModelError` is built from; only `isRetryable` is required. */
export interface ModelErrorOptions {
  /** Whether the same request may succeed later. */
  isRetryable: boolean;
  /** HTTP status from the endpoint. */
  status?: number;
  /** Seconds the endpoint asked to wait. */
  retryAfterSeconds?: number;
  /** Why it failed; derived from `status` and `isRetryable` when not given. */
  kind?: ModelErrorKind;
  /** The endpoint's own error message, keys redacted. */
  serverMessage?: string;
  /** The endpoint's base URL, without credentials or query. */
  endpoint?: string;
  /** The model the request asked for. */
  model?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** A failure talking to the model endpoint. `isRetryable` decides whether the queue tries again. */
export class ModelError extends ParleyError {
  /** Whether the same request may succeed later (429, 5xx, timeouts, connection errors). */
  readonly isRetryable: boolean;
  /** HTTP status from the endpoint, when there was one. */
  readonly status: number | undefined;
  /** Seconds the endpoint asked us to wait before retrying, when it said. */
  readonly retryAfterSeconds: number | undefined;
  /** Why it failed; for an error built without one, derived from `status` and `isRetryable`. */
  readonly kind: ModelErrorKind;
  /** The endpoint's own error message (keys redacted), when it sent one: for operators, not end users. */
  readonly serverMessage: string | undefined;
  /** The endpoint's base URL (no credentials, no query), when known. */
  readonly endpoint: string | undefined;
  /** The model the request asked for, when known. */
  readonly model: string | undefined;

  constructor(message: string, options: ModelErrorOptions) {
    super('model', message, { cause: options.cause });
    this.isRetryable = options.isRetryable;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.kind = options.kind ?? defaultModelErrorKind(options.status, options.isRetryable);
    this.serverMessage = options.serverMessage;
    this.endpoint = options.endpoint;
    this.model = options.model;
  }
}

// Only for errors built without a kind; the model clients classify their own from the endpoint's answer. A bare
// 404 is left `bad_request`: it may be a wrong base URL or a lost response chain as well as a missing model.
function defaultModelErrorKind(status: number | undefined, isRetryable: boolean): ModelErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limit';
  if (status !== undefined && status >= 500) return 'unavailable';
  return isRetryable ? 'unavailable' : 'bad_request';
}

/** A failure of a chat platform's API (Slack, Discord). */
export class PlatformError extends ParleyError {
  /** Which platform failed. */
  readonly platform: string;
  /** Whether the same call may succeed later. */
  readonly isRetryable: boolean;
  /** Seconds the platform asked to wait before calling again (a 429's `Retry-After`), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    platform: string,
    message: string,
    options: { isRetryable: boolean; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super('platform', message, { cause: options.cause });
    this.platform = platform;
    this.isRetryable = options.isRetryable;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Whether an error is worth another attempt. Unknown errors are treated as transient. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ModelError || error instanceof PlatformError) return error.isRetryable;
  if (error instanceof ConfigError) return false;
  return true;
}

/** Responses API mode: the server no longer has the response a turn wanted to continue (expired or deleted). */
export class PreviousResponseLostError extends ModelError {
  /** The response id that was not found. */
  readonly responseId: string;

  constructor(responseId: string, options: { status?: number; cause?: unknown } = {}) {
    super(`previous response ${responseId} is no longer available`, { isRetryable: false, ...options });
    this.responseId = responseId;
  }
}
