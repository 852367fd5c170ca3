/** Sends only the newest value, at most once per interval, never two sends at once. */
export interface CoalescingThrottle<T> {
  /** Offers a value; it replaces any value still waiting to be sent. */
  push(value: T): void;
  /** Drops the waiting value, stops sending and resolves once the send in flight (if any) has settled. */
  settle(): Promise<void>;
}

/** Options of `createCoalescingThrottle`. */
export interface CoalescingThrottleOptions<T> {
  /** Minimum time between the starts of two sends. */
  intervalMs: number;
  /** Sends one value; its failure is reported to `onError` and does not stop later sends. */
  send: (value: T) => Promise<void>;
  /** Receives send failures. */
  onError?: (error: unknown) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * A throttle for streaming edits: the first value goes out at once, later ones wait for the interval and
 * for the previous send to finish, and only the newest waiting value is sent (intermediate ones are skipped).
 */
export function createCoalescingThrottle<T>(options: CoalescingThrottleOptions<T>): CoalescingThrottle<T> {
  const now = options.now ?? Date.now;
  let waiting: { value: T } | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const pump = (): void => {
    if (stopped || waiting === undefined || inFlight !== undefined || timer !== undefined) return;
    const wait = lastStart + options.intervalMs - now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
      return;
    }
    const { value } = waiting;
    waiting = undefined;
    lastStart = now();
    inFlight = Promise.resolve()
      .then(() => options.send(value))
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight = undefined;
        pump();
      });
  };

  return {
    push(value) {
      if (stopped) return;
      waiting = { value };
      pump();
    },
    async settle() {
      stopped = true;
      waiting = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      while (inFlight !== undefined) await inFlight;
    },
  };
}
