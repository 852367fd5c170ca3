import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'metrics-signing-secret';
const DAY_SECONDS = 86_400;

let model: FakeOpenAI;
let api: FakeSlackApi;
let parley: RunningParley;

beforeAll(async () => {
  [model, api] = await Promise.all([startFakeOpenAI(), startFixtureSlackApi()]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    SLACK_BOT_TOKEN: 'xoxb-metrics',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    LOG_LEVEL: 'silent',
  });
});
afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), api?.close()]);
});

/** The value of one sample line of `/metrics` (`name{labels} value`); undefined when absent. */
async function sample(series: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${parley.httpPort}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics measured from when Parley received the event', () => {
  it('exports the error and cost counters at 0 before anything happened', async () => {
    for (const kind of ['model', 'platform', 'store', 'other']) {
      expect(await sample(`parley_errors_total{kind="${kind}"}`)).toBe(0);
    }
    expect(await sample('parley_cost_usd_total{model="gpt-4o-mini"}')).toBe(0);
  });

  it('a replayed event stamped years ago counts its delay apart, not in the queue wait or turn duration', async () => {
    // A mention whose Slack timestamp is from 2017, delivered now (a replay, a late retry, a skewed clock).
    const ts = '1500000000.000100';
    const response = await sendSlackEvent(slackEventsUrl(parley), appMention({ ts }), {
      signingSecret: SECRET,
    });
    expect(response.status).toBe(200);
    await waitFor('the reply', () => api.messagesIn(FIXTURE.channel, ts).length === 1);
    await waitFor(
      'the turn to be counted',
      async () => (await sample('parley_turn_duration_seconds_count')) === 1,
    );

    expect(await sample('parley_queue_wait_seconds_count')).toBe(1);
    expect(await sample('parley_queue_wait_seconds_sum')).toBeLessThan(DAY_SECONDS);
    expect(await sample('parley_turn_duration_seconds_sum')).toBeLessThan(DAY_SECONDS);
    // The years between the message's timestamp and its arrival are the platform's delay.
    expect(await sample('parley_platform_delay_seconds_count')).toBe(1);
    expect(await sample('parley_platform_delay_seconds_sum')).toBeGreaterThan(365 * DAY_SECONDS);
  });
});
