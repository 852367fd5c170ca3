import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../../src/app/errors.ts';
import { completeWithRetry } from '../../../../src/turn/phases/complete-with-retry.ts';
import { createRecordingReplyChannel } from '../recording-reply-channel.ts';
import { SCRIPTED_COST } from '../scripted-model-client.ts';
import { makeDependencies, makeTurn } from '../turn-fixtures.ts';

const request = { messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 50 };
const unavailable = () => new ModelError('unavailable', { isRetryable: true, status: 503 });

function setUp(options: Parameters<typeof makeDependencies>[0]) {
  const deps = makeDependencies(options);
  const channel = createRecordingReplyChannel();
  const reply = channel.openReply(makeTurn().target, { previous: [], onPosted: async () => {} });
  return { deps, channel, reply };
}

describe('completeWithRetry', () => {
  it('streams the whole text so far into the reply and returns the completion', async () => {
    const { deps, channel, reply } = setUp({ steps: [{ text: 'one two three' }] });
    const outcome = await completeWithRetry(deps, request, reply, deps.logger);
    expect(outcome).toMatchObject({ text: 'one two three', costUsd: SCRIPTED_COST });
    expect(channel.events).toEqual([
      { kind: 'update', text: 'one ' },
      { kind: 'update', text: 'one two ' },
      { kind: 'update', text: 'one two three' },
    ]);
    expect(deps.model.requests).toEqual([request]);
  });

  it('retries a retryable failure up to the configured attempts, waiting in between', async () => {
    const waits: number[] = [];
    const { deps, reply } = setUp({
      steps: [{ error: unavailable() }, { text: 'back' }],
      overrides: {
        retryDelayMs: (attempt) => {
          waits.push(attempt);
          return 1;
        },
      },
    });
    expect(await completeWithRetry(deps, request, reply, deps.logger)).toMatchObject({ text: 'back' });
    expect(deps.model.requests).toHaveLength(2);
    expect(waits).toEqual([1]);
    expect(deps.lines.filter((line) => line.msg === 'model call failed')).toMatchObject([
      { attempt: 1, retry: true },
    ]);
  });

  it('streams each attempt afresh, not after the text of a failed one', async () => {
    const { deps, channel, reply } = setUp({ steps: [{ error: unavailable() }, { text: 'fresh start' }] });
    await completeWithRetry(deps, request, reply, deps.logger);
    expect(channel.events.at(-1)).toEqual({ kind: 'update', text: 'fresh start' });
  });

  it('gives up with the error once the attempts are spent', async () => {
    const last = unavailable();
    const { deps, reply } = setUp({
      steps: [{ error: unavailable() }, { error: last }, { text: 'too late' }],
    });
    expect(await completeWithRetry(deps, request, reply, deps.logger)).toEqual({ error: last });
    expect(deps.model.requests).toHaveLength(2);
  });

  it('does not retry a failure that would fail again', async () => {
    const rejected = new ModelError('bad request', { isRetryable: false, status: 400 });
    const { deps, reply } = setUp({ steps: [{ error: rejected }, { text: 'never' }] });
    expect(await completeWithRetry(deps, request, reply, deps.logger)).toEqual({ error: rejected });
    expect(deps.model.requests).toHaveLength(1);
  });
});
