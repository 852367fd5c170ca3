import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../../src/app/errors.ts';
import { completeWithRetry } from '../../../../src/turn/phases/complete-with-retry.ts';
import { createRecordingReplyChannel } from '../recording-reply-channel.ts';
import { SCRIPTED_COST } from '../scripted-model-client.ts';
import { makeDependencies, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

const request = { messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 50 };
const unavailable = () => new ModelError('unavailable', { isRetryable: true, status: 503 });
const rateLimited = (retryAfterSeconds: number) =>
  new ModelError('slow down', { isRetryable: true, status: 429, retryAfterSeconds });
const START = RECEIVED_AT + 1_000;

/** A clock that stands still unless a test moves it (or `sleep` does). */
function manualClock() {
  let time = START;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

function setUp(options: Parameters<typeof makeDependencies>[0], deadline = START + 120_000) {
  const deps = makeDependencies(options);
  const channel = createRecordingReplyChannel();
  const reply = channel.openReply(makeTurn().target, { previous: [], onPosted: async () => {} });
  return { deps, channel, target: { reply, log: deps.logger, deadline } };
}

describe('completeWithRetry', () => {
  it('streams the whole text so far into the reply and returns the completion', async () => {
    const { deps, channel, target } = setUp({ steps: [{ text: 'one two three' }] });
    const outcome = await completeWithRetry(deps, request, target);
    expect(outcome).toMatchObject({ text: 'one two three', costUsd: SCRIPTED_COST });
    expect(channel.events).toEqual([
      { kind: 'update', text: 'one ' },
      { kind: 'update', text: 'one two ' },
      { kind: 'update', text: 'one two three' },
    ]);
    expect(deps.model.requests).toEqual([request]);
  });

  it('retries a retryable failure up to the configured attempts, waiting the backoff in between', async () => {
    const { deps, target } = setUp({
      steps: [{ error: unavailable() }, { text: 'back' }],
      overrides: { retryDelayMs: (attempt) => attempt * 7 },
    });
    expect(await completeWithRetry(deps, request, target)).toMatchObject({ text: 'back' });
    expect(deps.model.requests).toHaveLength(2);
    expect(deps.waits).toEqual([7]);
    expect(deps.lines.filter((line) => line.msg === 'model call failed')).toMatchObject([
      { attempt: 1, retry: true, waitMs: 7 },
    ]);
  });

  it('streams each attempt afresh, not after the text of a failed one', async () => {
    const { deps, channel, target } = setUp({ steps: [{ error: unavailable() }, { text: 'fresh start' }] });
    await completeWithRetry(deps, request, target);
    expect(channel.events.at(-1)).toEqual({ kind: 'update', text: 'fresh start' });
  });

  it('gives up with the error once the attempts are spent', async () => {
    const last = unavailable();
    const { deps, target } = setUp({
      steps: [{ error: unavailable() }, { error: last }, { text: 'too late' }],
    });
    expect(await completeWithRetry(deps, request, target)).toEqual({ error: last });
    expect(deps.model.requests).toHaveLength(2);
  });

  it('does not retry a failure that would fail again', async () => {
    const rejected = new ModelError('bad request', { isRetryable: false, status: 400 });
    const { deps, target } = setUp({ steps: [{ error: rejected }, { text: 'never' }] });
    expect(await completeWithRetry(deps, request, target)).toEqual({ error: rejected });
    expect(deps.model.requests).toHaveLength(1);
  });

  it("waits as long as the endpoint's retry-after asks when it is longer than the backoff", async () => {
    const { deps, target } = setUp({ steps: [{ error: rateLimited(30) }, { text: 'answered' }] });
    expect(await completeWithRetry(deps, request, target)).toMatchObject({ text: 'answered' });
    expect(deps.waits).toEqual([30_000]);
  });

  it('does not wait out a retry-after that ends past the deadline', async () => {
    const limited = rateLimited(20 * 60);
    const { deps, target } = setUp({ steps: [{ error: limited }, { text: 'never' }] });
    expect(await completeWithRetry(deps, request, target)).toEqual({ error: limited });
    expect(deps.model.requests).toHaveLength(1);
    expect(deps.waits).toEqual([]);
    expect(deps.lines.find((line) => line.msg === 'model call failed')).toMatchObject({
      retry: false,
      pastDeadline: true,
    });
  });

  it('stops retrying once the next backoff would end past the deadline', async () => {
    const clock = manualClock();
    const { deps, target } = setUp(
      {
        steps: [{ error: unavailable() }, { error: unavailable() }, { text: 'never' }],
        overrides: {
          now: clock.now,
          modelAttempts: 5,
          retryDelayMs: () => 4_000,
          sleep: async (ms) => {
            clock.advance(ms);
          },
        },
      },
      START + 6_000,
    );
    expect(await completeWithRetry(deps, request, target)).toMatchObject({ error: expect.any(ModelError) });
    expect(deps.model.requests).toHaveLength(2);
  });

  it('never retries an account out of quota, even when the error calls itself retryable', async () => {
    const quota = new ModelError('insufficient_quota', { isRetryable: true, status: 429, kind: 'quota' });
    const { deps, target } = setUp({ steps: [{ error: quota }, { text: 'never' }] });
    expect(await completeWithRetry(deps, request, target)).toEqual({ error: quota });
    expect(deps.model.requests).toHaveLength(1);
  });

  it('aborts each attempt at the deadline', async () => {
    const { deps, target } = setUp({ steps: [{ text: 'in time' }] }, START - 1);
    await completeWithRetry(deps, request, target);
    const [signal] = deps.model.signals;
    expect(signal).toBeInstanceOf(AbortSignal);
    await new Promise((resolve) => signal!.addEventListener('abort', resolve, { once: true }));
    expect(signal!.aborted).toBe(true);
  });
});
