import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { type SlackHttpResponse, signSlackRequest } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Slack stops redelivering an event once it got a 2xx. While Redis is down Parley cannot queue a turn, so it
// must not say 200 — it refuses the event within Slack's 3 s, and answers Slack's retry once Redis is back.

const SECRET = 'durable-ack-e2e-secret';
const BOT = `<@${FIXTURE.botUserId}>`;
/** How long Slack waits for an answer before it counts the delivery as failed (and retries). */
const SLACK_WAITS_MS = 3_000;

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let parley: RunningParley;

beforeAll(async () => {
  [model, redis, api] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFixtureSlackApi()]);
  // Started while Redis is up: the product waits for it at start.
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'slack-durable-ack-e2e',
    SLACK_BOT_TOKEN: 'xoxb-e2e',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    LOG_LEVEL: 'silent',
  });
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), redis?.close(), api?.close()]);
});

/**
 * Delivers an event as Slack does: signed, and given up on after Slack's 3 s (then it throws, which no test
 * here expects: every answer must come in time).
 */
async function deliver(payload: unknown, retryNum?: number): Promise<SlackHttpResponse> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...signSlackRequest(SECRET, body),
  };
  if (retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(retryNum);
    headers['x-slack-retry-reason'] = 'http_error';
  }
  const response = await fetch(slackEventsUrl(parley), {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(SLACK_WAITS_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text, json: undefined };
}

const isReady = async () => (await parley.health()).ok;

describe('Slack events while Redis is down (real process path, redis-server stopped and restarted)', () => {
  it('refuses the event (non-2xx, in time) and answers Slack’s retry exactly once after Redis is back', async () => {
    const root = nextTs();
    const mention = appMention({ ts: root, text: `${BOT} are you there?` });

    await redis.stop();
    await waitFor('Parley to notice Redis is gone', async () => !(await isReady()));
    const refused = await deliver(mention);
    expect(refused.status).toBeGreaterThanOrEqual(500);

    await redis.restart();
    await waitFor('Parley to reach Redis again', isReady);
    const retried = await deliver(mention, 1);
    expect(retried.status).toBe(200);

    await waitFor('the answer', () => api.messagesIn(FIXTURE.channel, root).length > 0);
    await queueDrained(parley);
    // A later retry (Slack may still send one) is acknowledged and changes nothing.
    expect((await deliver(mention, 2)).status).toBe(200);
    await queueDrained(parley);
    expect(api.messagesIn(FIXTURE.channel, root)).toHaveLength(1);
    const sessionId = `slack:${FIXTURE.team}:${FIXTURE.channel}:${root}`;
    const history = await parley.store.load(sessionId);
    expect(history.filter((message) => message.role === 'user')).toHaveLength(1);
    const asked = model.requests.filter((request) =>
      String(request.body.messages.at(-1)?.content).includes('are you there?'),
    );
    expect(asked).toHaveLength(1);
  }, 60_000);
});
