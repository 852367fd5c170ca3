import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../../src/app/errors.ts';
import {
  DELIVERY_ATTEMPTS,
  type Delivery,
  deliverAndCommit,
  finishReply,
} from '../../../../src/turn/phases/deliver.ts';
import { openTurnReply } from '../../../../src/turn/phases/turn-dependencies.ts';
import { makeDependencies, makeJob, RECEIVED_AT } from '../turn-fixtures.ts';

const START = RECEIVED_AT + 1_000;
const notInChannel = () =>
  new PlatformError('slack', 'Slack chat.postMessage failed: not_in_channel', {
    isRetryable: false,
  });
/** A retryable platform error that carries the platform's retry-after, as an adapter may annotate it. */
const rateLimited = (retryAfterSeconds: number) =>
  new PlatformError('discord', 'rate limited', { isRetryable: true, retryAfterSeconds });

/** A delivery whose posts fail with the given errors, then succeed; records posts and commits in order. */
function scripted(failures: unknown[], overrides: Partial<Delivery> = {}) {
  const order: string[] = [];
  const deps = makeDependencies({ overrides: { retryDelayMs: (attempt) => attempt * 100 } });
  const delivery: Delivery = {
    post: async (attempt) => {
      order.push(`post ${attempt}`);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
    },
    commit: async () => {
      order.push('commit');
      return true;
    },
    deadline: START + 120_000,
    log: deps.logger,
    what: 'reply',
    ...overrides,
  };
  return { deps, delivery, order };
}

const platformErrors = (deps: ReturnType<typeof makeDependencies>) =>
  deps.metrics.events.filter(([name, kind]) => name === 'error' && kind === 'platform').length;

describe('deliverAndCommit', () => {
  it('posts, then commits', async () => {
    const { deps, delivery, order } = scripted([]);
    expect(await deliverAndCommit(deps, delivery)).toBe(true);
    expect(order).toEqual(['post 1', 'commit']);
    expect(deps.waits).toEqual([]);
  });

  it('commits as soon as the first post fails, then retries only the post, with backoff', async () => {
    const { deps, delivery, order } = scripted([new Error('platform down'), new Error('platform down')]);
    expect(await deliverAndCommit(deps, delivery)).toBe(true);
    expect(order).toEqual(['post 1', 'commit', 'post 2', 'post 3']);
    expect(deps.waits).toEqual([100, 200]);
    expect(platformErrors(deps)).toBe(2);
    expect(deps.lines.at(-1)).toMatchObject({ msg: 'posted the reply on a later attempt', attempt: 3 });
  });

  it("waits as long as the platform's retry-after asks", async () => {
    const { deps, delivery } = scripted([rateLimited(7)]);
    await deliverAndCommit(deps, delivery);
    expect(deps.waits).toEqual([7_000]);
  });

  it('does not retry a failure that would fail again: logged, counted, committed', async () => {
    const { deps, delivery, order } = scripted([notInChannel()]);
    expect(await deliverAndCommit(deps, delivery)).toBe(true);
    expect(order).toEqual(['post 1', 'commit']);
    expect(deps.waits).toEqual([]);
    expect(platformErrors(deps)).toBe(1);
    expect(deps.lines).toMatchObject([
      {
        level: 50,
        msg: 'could not post the reply, and trying again would not help; committed without it',
        err: { message: 'Slack chat.postMessage failed: not_in_channel' },
      },
    ]);
  });

  it('gives up on the post after its attempts, without throwing: the answer stays committed', async () => {
    const failures = Array.from({ length: DELIVERY_ATTEMPTS + 2 }, () => new Error('platform down'));
    const { deps, delivery, order } = scripted(failures);
    expect(await deliverAndCommit(deps, delivery)).toBe(true);
    expect(order.filter((step) => step.startsWith('post'))).toHaveLength(DELIVERY_ATTEMPTS);
    expect(order.filter((step) => step === 'commit')).toHaveLength(1);
    expect(deps.lines.at(-1)).toMatchObject({
      level: 50,
      msg: 'could not post the reply; committed without it',
    });
  });

  it('makes no retry whose wait would end past the deadline', async () => {
    const { deps, delivery, order } = scripted([rateLimited(600)], { deadline: START + 60_000 });
    await deliverAndCommit(deps, delivery);
    expect(order).toEqual(['post 1', 'commit']);
    expect(deps.waits).toEqual([]);
  });

  it('passes on what the commit said, and a commit that fails', async () => {
    const replay = scripted([], { commit: async () => false });
    expect(await deliverAndCommit(replay.deps, replay.delivery)).toBe(false);
    const broken = scripted([new Error('platform down')], {
      commit: async () => {
        throw new Error('store down');
      },
    });
    await expect(deliverAndCommit(broken.deps, broken.delivery)).rejects.toThrow('store down');
  });
});

describe('finishReply', () => {
  it('finishes the streamed reply first, and a reopened one over what it posted on a retry', async () => {
    const deps = makeDependencies();
    const recorded: unknown[] = [];
    const job = makeJob(undefined, {
      previousReplies: [{ channelId: 'c', messageId: 'm0' }],
      recordReplies: async (posted) => {
        recorded.push(posted);
      },
    });
    const reply = openTurnReply(deps.channel, job);
    const post = finishReply(reply, 'the answer', { isError: false });
    await post(1);
    // The platform records what the first attempt posted before failing.
    await deps.channel.opened[0]!.options.onPosted([{ channelId: 'c', messageId: 'm1' }]);
    await post(2);
    expect(deps.channel.opened.map((opened) => opened.options.previous)).toEqual([
      [{ channelId: 'c', messageId: 'm0' }],
      [{ channelId: 'c', messageId: 'm1' }],
    ]);
    expect(recorded).toEqual([[{ channelId: 'c', messageId: 'm1' }]]);
    expect(deps.channel.finishedTexts()).toEqual(['the answer', 'the answer']);
  });
});
