import type { EnqueueResult, TurnSink } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';

/** How long an event waits for the queue by default: Slack wants its answer within 3 s. */
export const EVENT_ENQUEUE_TIMEOUT_MS = 2_000;

/** The queue did not answer within the time Slack leaves. */
export class EnqueueTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the queue did not answer within ${timeoutMs} ms`);
    this.name = 'EnqueueTimeoutError';
  }
}

/**
 * Enqueues, but gives up after `timeoutMs`: with Redis down the queue's client holds a command until it has
 * reconnected (`maxRetriesPerRequest: null`), and by then Slack has stopped waiting. Should the held command
 * still go through later, no harm is done: the queue accepts a turn id once, so Slack's redelivery finds the
 * turn already there.
 */
export function enqueueInTime(sink: TurnSink, turn: Turn, timeoutMs: number): Promise<EnqueueResult> {
  return inTime(sink.enqueue(turn), timeoutMs);
}

/**
 * Waits for `work` (a queue or store call on the same Redis: following a thread, checking one) at most
 * `timeoutMs`, then rejects with `EnqueueTimeoutError`, for the same reason as `enqueueInTime`.
 */
export async function inTime<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EnqueueTimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
