/** Exponential backoff from 500 ms, capped at 30 s: the delay before re-running a turn whose processor threw. */
export function defaultRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
}
