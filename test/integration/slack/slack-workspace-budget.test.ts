import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryTokenBuckets } from '../../../src/rate-limit/memory-token-buckets.ts';
import type { TokenBuckets } from '../../../src/rate-limit/rate-limiter.ts';
import { createRedisTokenBuckets } from '../../../src/rate-limit/redis-token-buckets.ts';
import type { ReplyChannel } from '../../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createTestSlackReplyChannel } from '../../helpers/test-slack-reply-channel.ts';
import { useTestRedis } from '../../helpers/use-test-redis.ts';

/** A scaled-down Tier 3: a burst of 5, then 10 a second (Slack: ~50 a minute). */
const SHAPE = { capacity: 5, refillPerSecond: 10 };
/** What the fake Slack allows the workspace: the bucket's most in any second, plus a little clock jitter. */
const WORKSPACE_LIMIT = { methods: ['chat.update', 'chat.appendStream'], max: 18, windowMs: 1_000 };
const STREAMS = 30;

let api: FakeSlackApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function channelOn(fake: FakeSlackApi, buckets: TokenBuckets): ReplyChannel {
  return createTestSlackReplyChannel({
    apiUrl: fake.url,
    config: { botToken: 'xoxb-budget', streaming: 'native' },
    // The WebClient would wait out a 429 and retry; here any 429 would reach the reply, as users would see it.
    retryConfig: { retries: 0 },
    editIntervalMs: 50,
    buckets,
  });
}

/** Half the streams in DM threads (native streaming), half in channel threads (post and edit). */
function targetOf(index: number): ReplyTarget {
  const threadId = `1700000100.${String(index).padStart(6, '0')}`;
  const channelId = index % 2 === 0 ? `D0BUDGET${index}` : 'C0BUDGET';
  return { platform: 'slack', channelId, threadId, workspaceId: 'T0BUDGET' };
}

/** Streams one answer as a model would (a word every 20 ms), then finishes it; rejects if any call failed. */
async function streamOne(channel: ReplyChannel, index: number): Promise<string> {
  const words = Array.from({ length: 30 }, (_, word) => `s${index}w${word}`);
  const reply = channel.openReply(targetOf(index), { previous: [], onPosted: async () => {} });
  await reply.showWorking();
  for (let count = 1; count <= words.length; count++) {
    reply.update(words.slice(0, count).join(' '));
    await sleep(20);
  }
  const answer = words.join(' ');
  await reply.finish(answer);
  return answer;
}

async function runStreams(channels: ReplyChannel[]): Promise<void> {
  const fake = api!;
  const answers = await Promise.all(
    Array.from({ length: STREAMS }, (_, index) => streamOne(channels[index % channels.length]!, index)),
  );
  for (const [index, answer] of answers.entries()) {
    const { channelId, threadId } = targetOf(index);
    expect(fake.messagesIn(channelId, threadId).map((message) => message.text)).toEqual([answer]);
  }
  const limited = fake.calls.filter((call) => WORKSPACE_LIMIT.methods.includes(call.method));
  expect(limited.some((call) => call.status === 429)).toBe(false);
  expect(fake.ai.rateLimited).toBe(0);
  // The budget was used, not avoided: the streams did edit and append, over more than one window's worth.
  expect(limited.length).toBeGreaterThan(WORKSPACE_LIMIT.max);
}

describe('one Tier-3 budget per workspace for chat.update and chat.appendStream', () => {
  it(`keeps ${STREAMS} concurrent streams in one process under the workspace limit, no 429 reaching a reply`, async () => {
    api = await startFakeSlackApi();
    api.ai.limitWorkspace(WORKSPACE_LIMIT);
    await runStreams([channelOn(api, createMemoryTokenBuckets(SHAPE))]);
  });

  it('would meet 429s without it: the same streams with an unlimited budget are refused by Slack', async () => {
    api = await startFakeSlackApi();
    api.ai.limitWorkspace(WORKSPACE_LIMIT);
    const channel = channelOn(api, createMemoryTokenBuckets({ capacity: 10_000, refillPerSecond: 10_000 }));
    await Promise.allSettled(Array.from({ length: STREAMS }, (_, index) => streamOne(channel, index)));
    expect(api.ai.rateLimited).toBeGreaterThan(0);
  });

  describe('shared through Redis by several workers', () => {
    const redis = useTestRedis();
    it(`keeps ${STREAMS} streams of two workers under one workspace limit`, async () => {
      api = await startFakeSlackApi();
      api.ai.limitWorkspace(WORKSPACE_LIMIT);
      const prefix = `budget-${randomUUID()}`;
      const workers = [redis.server.client(), redis.server.client()];
      try {
        const channels = workers.map((client) =>
          channelOn(api!, createRedisTokenBuckets({ ...SHAPE, redis: client, prefix, name: 'slack-tier3' })),
        );
        await runStreams(channels);
      } finally {
        await Promise.all(workers.map((client) => client.quit()));
      }
    });
  });
});
