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
  /** Sends one value. */
  send: (value: T) => Promise<void>;
  /** Receives a failed send's error (the next value is still sent). */
  onError: (error: unknown) => void;
}

/**
 * Throttle for streamed message edits: intermediate texts are worthless once a newer one exists, and
 * overlapping edits of one message could land out of order, so only the newest value is kept and sends
 * never overlap.
 */
export function createLatestThrottle<T>(options: LatestThrottleOptions<T>): LatestThrottle<T> {
  let waiting: { value: T } | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  let settled = false;

  const run = (): void => {
    timer = undefined;
    if (!waiting || settled) return;
    const { value } = waiting;
    waiting = undefined;
    lastStartedAt = Date.now();
    inFlight = options
      .send(value)
      .catch(options.onError)
      .finally(() => {
        inFlight = undefined;
        schedule();
      });
  };

  const schedule = (): void => {
    if (!waiting || settled || inFlight || timer) return;
    const wait = lastStartedAt + options.intervalMs - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };

  return {
    push(value) {
      if (settled) return;
      waiting = { value };
      schedule();
    },
    async settle() {
      settled = true;
      waiting = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (inFlight) await inFlight;
    },
  };
}
