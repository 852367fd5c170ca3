/**
 * How long to wait before trying a failed call again: our own backoff, or longer when the server asked for
 * it. A `ModelError` carries the endpoint's `retry-after` as `retryAfterSeconds`; any other error with the
 * same field (a `PlatformError` an adapter annotated) is honoured the same way.
 */
export function retryWaitMs(error: unknown, backoffMs: number): number {
  return Math.max(backoffMs, retryAfterMs(error) ?? 0);
}

/** The wait the failed call's server asked for, in ms, when the error says. */
export function retryAfterMs(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const seconds = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? seconds * 1_000
    : undefined;
}
