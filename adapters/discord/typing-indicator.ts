import { type REST, Routes } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import { toPlatformError } from './discord-rest.ts';

/** Timings of the typing indicator. */
export interface TypingTimings {
  /** How often the typing indicator (which lasts 10 s) is renewed. */
  typingIntervalMs: number;
  /** Typing stops after this long even if the turn never finishes (a stuck or crashed processor). */
  maxTypingMs: number;
}

/** "Parley is typing…" in one channel, renewed until the reply is posted. */
export interface TypingIndicator {
  /**
   * Shows typing at once and keeps renewing it; resolves once the typing call is done. While it runs, resolves
   * with the call in flight (if any); once stopped, does nothing.
   */
  start(): Promise<void>;
  /** Stops renewing and waits (briefly) for a renewal still in flight. */
  stop(): Promise<void>;
}

/** Longest wait in `stop` for a renewal in flight. */
const IN_FLIGHT_WAIT_MS = 2_000;

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** A typing indicator for `channelId`; its failures are logged, never thrown (typing is cosmetic). */
export function createTypingIndicator(
  rest: REST,
  channelId: string,
  timings: TypingTimings,
  logger: Logger,
): TypingIndicator {
  let timer: NodeJS.Timeout | undefined;
  let startedAt = 0;
  let stopped = false;
  let inFlight: Promise<void> | undefined;

  const send = (): Promise<void> => {
    const sending = rest.post(Routes.channelTyping(channelId)).then(
      () => undefined,
      (error: unknown) => {
        // Typing is cosmetic: a failure here must not fail the turn.
        logger.warn({ err: toPlatformError(error, 'typing'), channelId }, 'discord typing indicator failed');
      },
    );
    inFlight = sending;
    return sending;
  };

  const clear = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  return {
    async start() {
      if (stopped) return;
      if (timer) return inFlight;
      startedAt = Date.now();
      timer = setInterval(() => {
        if (Date.now() - startedAt >= timings.maxTypingMs) clear();
        else void send();
      }, timings.typingIntervalMs);
      timer.unref();
      await send();
    },
    async stop() {
      stopped = true;
      clear();
      // A renewal landing after the final message would show "typing…" for 10 s under the answer.
      // Bounded, so a slow typing call (rate limit, timeout) cannot hold up the answer.
      if (inFlight) await Promise.race([inFlight, delay(IN_FLIGHT_WAIT_MS)]);
    },
  };
}
