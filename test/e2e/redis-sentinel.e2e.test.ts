/** Parley on a Sentinel-managed Redis: it asks the sentinel where the master is and keeps its memory there. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedisSentinel, type TestRedisSentinel } from '../helpers/redis-sentinel.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'sentinel-signing-secret';
let sentinel: TestRedisSentinel;
let model: FakeOpenAI;
let api: FakeSlackApi;
let parley: RunningParley;

beforeAll(async () => {
  [sentinel, model, api] = await Promise.all([
    startTestRedisSentinel(),
    startFakeOpenAI(),
    startFixtureSlackApi(),
  ]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    REDIS_SENTINELS: sentinel.sentinels,
    REDIS_SENTINEL_NAME: sentinel.name,
    REDIS_PREFIX: 'sentinel-e2e',
    SLACK_BOT_TOKEN: 'xoxb-sentinel',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    LOG_LEVEL: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([sentinel?.close(), model?.close(), api?.close()]);
});

describe('Parley on a Sentinel-managed Redis', () => {
  it('answers a Slack mention and keeps the conversation on the master the sentinel names', async () => {
    const root = nextTs();
    const event = appMention({ ts: root, text: `<@${FIXTURE.botUserId}> hello` });
    expect((await sendSlackEvent(slackEventsUrl(parley), event, { signingSecret: SECRET })).status).toBe(200);
    await waitFor('the answer', () => api.messagesIn(FIXTURE.channel, root).length === 1);
    const sessionId = `slack:${FIXTURE.team}:${FIXTURE.channel}:${root}`;
    await waitFor('the commit', async () => (await parley.store.count(sessionId)) === 2);
    const client = sentinel.master.client();
    try {
      expect(await client.exists(`sentinel-e2e:{s:${sessionId}}:history`)).toBe(1);
    } finally {
      await client.quit();
    }
    expect((await parley.health()).ok).toBe(true);
  });
});
