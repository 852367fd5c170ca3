import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

// A model told "ping everyone" may write Slack's broadcast syntax. The process posts it as plain text, unless
// the operator sets ALLOW_BROADCAST_MENTIONS=true.

const SECRET = 'broadcast-e2e-secret';
const ANSWER = 'Done: <!channel> and <!subteam^S0123|@devs>, the build is red (cc <@U0BOB>).';

let model: FakeOpenAI;
let api: FakeSlackApi;
const running: RunningParley[] = [];

beforeAll(async () => {
  [model, api] = await Promise.all([startFakeOpenAI(), startFixtureSlackApi()]);
  model.respondWith(() => ANSWER);
});

afterAll(async () => {
  for (const parley of running) await parley.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), api?.close()]);
});

/** Starts Parley (in-memory queue) with `env`, sends it a mention and returns the text it posted. */
async function answerWith(env: Record<string, string>): Promise<string> {
  const parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    SLACK_BOT_TOKEN: 'xoxb-e2e',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    LOG_LEVEL: 'silent',
    ...env,
  });
  running.push(parley);
  const root = nextTs();
  const mention = appMention({ ts: root, text: `<@${FIXTURE.botUserId}> tell everyone the build is red` });
  expect((await sendSlackEvent(slackEventsUrl(parley), mention, { signingSecret: SECRET })).status).toBe(200);
  await waitFor('the reply', () => api.messagesIn(FIXTURE.channel, root).length > 0);
  // Streamed first, then settled on the final text once the turn is committed.
  await queueDrained(parley);
  return api.messagesIn(FIXTURE.channel, root).at(-1)!.text;
}

describe('broadcast mentions written by the model, end to end on Slack', () => {
  it('are posted as plain text by default: nobody is paged', async () => {
    expect(await answerWith({})).toBe('Done: @channel and @devs, the build is red (cc <@U0BOB>).');
  });

  it('are posted as real pings with ALLOW_BROADCAST_MENTIONS=true', async () => {
    expect(await answerWith({ ALLOW_BROADCAST_MENTIONS: 'true' })).toBe(ANSWER);
  });
});
