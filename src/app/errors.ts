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

/** A failure talking to the model endpoint. `isRetryable` decides whether the queue tries again. */
export class ModelError extends ParleyError {
  /** Whether the same request may succeed later (429, 5xx, timeouts, connection errors). */
  readonly isRetryable: boolean;
  /** HTTP status from the endpoint, when there was one. */
  readonly status: number | undefined;
  /** Seconds the endpoint asked us to wait before retrying, when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    options: { isRetryable: boolean; status?: number; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super('model', message, { cause: options.cause });
    this.isRetryable = options.isRetryable;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A failure of a chat platform's API (Slack, Discord). */
export class PlatformError extends ParleyError {
  /** Which platform failed. */
  readonly platform: string;
  /** Whether the same call may succeed later. */
  readonly isRetryable: boolean;

  constructor(platform: string, message: string, options: { isRetryable: boolean; cause?: unknown }) {
    super('platform', message, { cause: options.cause });
    this.platform = platform;
    this.isRetryable = options.isRetryable;
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
