import { httpFetch } from '../http/http-client.ts';
import { classifyEndpointFailure } from './classify-model-error.ts';

/**
 * The `fetch` the openai SDK sends through: the process's HTTP client (`httpFetch`, `HTTP_CLIENT`). It leaves
 * successful responses alone and adjusts error responses
 * before the SDK reads them and decides whether to retry:
 *
 * - a `retry-after` longer than the cap gets `x-should-retry: false`: the SDK would sleep through any wait,
 *   deaf to abort signals, so the error reaches the caller with `retryAfterSeconds` and the queue decides;
 * - a 429 that is a billing quota (OpenAI's `insufficient_quota`) gets `x-should-retry: false` too: waiting
 *   does not bring credit back;
 * - an error body the SDK cannot read is put where it looks (`{"error": {"message": …}}`): older vLLM sends
 *   the error object bare (`{"object":"error","message":…}`), FastAPI servers send `{"detail": …}`, and some
 *   send `{"error": "text"}`; the SDK would report "status code (no body)" or a quoted string.
 */
export function createModelFetch(
  maxRetryAfterSeconds: number,
  send: typeof fetch = (input, init) => httpFetch()(input, init),
): typeof fetch {
  return async (input, init) => {
    const response = await send(input, init);
    if (response.ok) return response;
    const body = normalizeErrorBody(await response.text());
    const headers = new Headers(response.headers);
    // The body is text now, and may have changed length.
    headers.delete('content-length');
    headers.delete('content-encoding');
    const seconds = retryAfterSeconds(headers);
    const tooLong = seconds !== undefined && seconds > maxRetryAfterSeconds;
    if (tooLong || isQuotaRateLimit(response.status, body)) headers.set('x-should-retry', 'false');
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
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

/** The body with its error object under `error`, where the SDK reads it; anything else unchanged. */
export function normalizeErrorBody(text: string): string {
  const parsed = parseObject(text);
  if (!parsed) return text;
  if (typeof parsed.error === 'string')
    return JSON.stringify({ ...parsed, error: { message: parsed.error } });
  if (parsed.error !== undefined) return text;
  if (typeof parsed.message === 'string') return JSON.stringify({ error: parsed });
  if (typeof parsed.detail === 'string') return JSON.stringify({ error: { message: parsed.detail } });
  return text;
}

function isQuotaRateLimit(status: number, body: string): boolean {
  if (status !== 429) return false;
  const error = parseObject(body)?.error;
  if (typeof error !== 'object' || error === null) return false;
  const { code, type, message } = error as Record<string, unknown>;
  const text = typeof message === 'string' ? message : '';
  return classifyEndpointFailure({ status, code, type, message: text }) === 'quota';
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
