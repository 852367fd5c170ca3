/** Sends only the newest of rapidly pushed values, at most one at a time and `intervalMs` apart. */
export interface LatestThrottle<T> {
  /** Queues a value, replacing any value still waiting; it is sent when the interval allows. */
  push(value: T): void;
  /** Drops any waiting value, stops taking new ones, and resolves once the send in flight (if any) is done. */
  settle(): Promise<void>;
}

/** Options of `createLatestThrottle`. */
export interface LatestThrottleOptions<T> {
  /** Least time between the starts of two sends. */
  intervalMs: number;
  /** Sends one value; its failure goes to `onError` and does not stop later sends. */
  send: (value: T) => Promise<void>;
  /** Receives a failed send's error (the next value is still sent). */
  onError?: (error: unknown) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Throttle for streamed message edits, shared by the Slack and Discord reply streams: intermediate texts are
 * worthless once a newer one exists, and overlapping edits of one message could land out of order, so only
 * the newest value is kept and sends never overlap. The first value goes out at once (synchronously, so the
 * first edit is not held back by a tick).
 */
export function createLatestThrottle<T>(options: LatestThrottleOptions<T>): LatestThrottle<T> {
  const now = options.now ?? Date.now;
  let waiting: { value: T } | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  let settled = false;

  const start = (value: T): void => {
    lastStartedAt = now();
    inFlight = sendSafely(options.send, value)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight = undefined;
        pump();
      });
  };

  const pump = (): void => {
    if (settled || waiting === undefined || inFlight !== undefined || timer !== undefined) return;
    const wait = lastStartedAt + options.intervalMs - now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
      return;
    }
    const { value } = waiting;
    waiting = undefined;
    start(value);
  };

  return {
    push(value) {
      if (settled) return;
      waiting = { value };
      pump();
    },
    async settle() {
      settled = true;
      waiting = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      while (inFlight !== undefined) await inFlight;
    },
  };
}

/** `send(value)`, with a synchronous throw turned into a rejection so it reaches `onError` like any failure. */
function sendSafely<T>(send: (value: T) => Promise<void>, value: T): Promise<void> {
  try {
    return send(value);
  } catch (error) {
    return Promise.reject(error);
  }
}
