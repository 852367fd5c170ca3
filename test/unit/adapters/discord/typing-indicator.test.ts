import type { REST } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTypingIndicator } from '../../../../adapters/discord/typing-indicator.ts';
import { createLogger } from '../../../../src/app/logger.ts';

const timings = { typingIntervalMs: 8_000, maxTypingMs: 20_000 };

function fakeRest(post: (route: string) => Promise<unknown> = async () => undefined) {
  const routes: string[] = [];
  const rest = {
    post: (route: string) => {
      routes.push(route);
      return post(route);
    },
  } as unknown as REST;
  return { rest, routes };
}

describe('createTypingIndicator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const logger = createLogger('silent');

  it('types at once, renews every interval and gives up after maxTypingMs', async () => {
    const { rest, routes } = fakeRest();
    const typing = createTypingIndicator(rest, '42', timings, logger);
    await typing.start();
    expect(routes).toEqual(['/channels/42/typing']);
    await vi.advanceTimersByTimeAsync(16_000);
    expect(routes).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(routes).toHaveLength(3);
  });

  it('does not start twice, nor again once stopped', async () => {
    const { rest, routes } = fakeRest();
    const typing = createTypingIndicator(rest, '42', timings, logger);
    await typing.start();
    await typing.start();
    await typing.stop();
    await typing.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(routes).toHaveLength(1);
  });

  it('never fails: a refused typing call is only logged', async () => {
    const { rest } = fakeRest(async () => {
      throw new Error('429');
    });
    const typing = createTypingIndicator(rest, '42', timings, logger);
    await expect(typing.start()).resolves.toBeUndefined();
  });

  it('stop waits for a renewal in flight, but at most 2 s', async () => {
    const { rest } = fakeRest(() => new Promise(() => {}));
    const typing = createTypingIndicator(rest, '42', timings, logger);
    void typing.start();
    let stopped = false;
    const stopping = typing.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
  });
});
