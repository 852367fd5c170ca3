import { PlatformError } from '../../src/app/errors.ts';

/** Slack error codes that say "try again later" (everything else, e.g. `channel_not_found`, will not improve). */
const RETRYABLE_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** The Slack error code (`channel_not_found`, …) of a failed Web API call, if Slack answered with one. */
export function slackErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, data } = error as { code?: unknown; data?: { error?: unknown } };
  if (code === 'slack_webapi_platform_error' && typeof data?.error === 'string') return data.error;
  if (code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  return undefined;
}

/**
 * A failed Web API call as `PlatformError('slack', …)`. The WebClient has already retried 429s (after
 * `Retry-After`), 5xx and connection errors within its bounded retry policy; `isRetryable` tells the queue
 * whether another run of the turn later may still succeed.
 */
export function toPlatformError(method: string, error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const code = slackErrorCode(error);
  if (code !== undefined) {
    return new PlatformError('slack', `Slack ${method} failed: ${code}`, {
      isRetryable: RETRYABLE_CODES.has(code),
      cause: error,
    });
  }
  const details = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (details?.code === 'slack_webapi_http_error' && typeof details.statusCode === 'number') {
    const status = details.statusCode;
    return new PlatformError('slack', `Slack ${method} failed: HTTP ${status}`, {
      isRetryable: status >= 500 || status === 408 || status === 429,
      cause: error,
    });
  }
  // Connection errors, timeouts and exhausted 429 retries (the client throws a plain Error for those).
  const message = typeof details?.message === 'string' ? details.message : String(error);
  return new PlatformError('slack', `Slack ${method} failed: ${message}`, {
    isRetryable: true,
    cause: error,
  });
}

/** Runs one Web API call, its failure thrown as `PlatformError` (see `toPlatformError`). */
export async function callSlack<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toPlatformError(method, error);
  }
}
