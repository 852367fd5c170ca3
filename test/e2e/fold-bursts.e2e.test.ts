/**
 * FOLD_BURSTS through the Slack path: messages sent while an answer is being written are answered one by one by
 * default, and together in one reply when the operator opts in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { directMessage } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'fold-signing-secret';
let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

async function start(env: Record<string, string>) {
  const [redis, model, api] = await Promise.all([
    startTestRedis(),
    startFakeOpenAI(),
    startFixtureSlackApi(),
  ]);
  cleanup.push(
    () => redis.close(),
    () => model.close(),
    () => api.close(),
  );
  const parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    REDIS_URL: redis.url,
    SLACK_BOT_TOKEN: 'xoxb-fold',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    LOG_LEVEL: 'silent',
    ...env,
  });
  cleanup.push(() => parley.stop({ timeoutMs: 5_000 }));
  return { model, api, parley };
}

/** Sends four DMs: the first, then three more while its answer is still being written. */
async function burst(model: FakeOpenAI, api: FakeSlackApi, parley: RunningParley, dm: string) {
  model.setLatency(700);
  const send = (text: string) =>
    sendSlackEvent(slackEventsUrl(parley), directMessage({ channel: dm, text }), { signingSecret: SECRET });
  expect((await send('first question')).status).toBe(200);
  await waitFor('the first model call', () => model.requests.length === 1);
  for (const text of ['second', 'third', 'fourth']) expect((await send(text)).status).toBe(200);
  await queueDrained(parley);
  return api.messagesIn(dm).filter((message) => message.thread_ts === undefined);
}

describe('FOLD_BURSTS', () => {
  it('off (the default): every message of a burst gets its own answer, in order', async () => {
    const { model, api, parley } = await start({});
    const replies = await burst(model, api, parley, 'D0FOLDOFF');
    expect(model.requests).toHaveLength(4);
    expect(replies.map((reply) => reply.text)).toEqual([
      'Echo: Alice: first question',
      'Echo: Alice: second',
      'Echo: Alice: third',
      'Echo: Alice: fourth',
    ]);
  }, 60_000);

  it('on: the messages sent while an answer was written are answered together, all remembered', async () => {
    const { model, api, parley } = await start({ FOLD_BURSTS: 'true' });
    const replies = await burst(model, api, parley, 'D0FOLDON');
    expect(model.requests).toHaveLength(2);
    const second = model.requests[1]!.body.messages.map((message) => String(message.content));
    // The folded messages reach the model in order, after the first exchange (merged into one user turn).
    expect(second.join('\n')).toMatch(/second[\s\S]*third[\s\S]*fourth/);
    expect(replies).toHaveLength(2);
    const history = await parley.store.load(`slack:T061EG9R6:D0FOLDON`);
    expect(history.filter((message) => message.role === 'user').map((message) => message.content)).toEqual([
      'first question',
      'second',
      'third',
      'fourth',
    ]);
    expect(history.filter((message) => message.role === 'assistant')).toHaveLength(2);
  }, 60_000);
});
