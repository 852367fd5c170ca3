import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent, sendSlashCommand } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs, slashCommand } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'model-switch-e2e-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;

let alpha: FakeOpenAI;
let beta: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let parley: RunningParley;

/** Which of the two endpoints answered the last question: the one whose request count grew. */
async function ask(channel: string, thread: { ts?: string; thread_ts?: string }, text: string) {
  const threadTs = thread.thread_ts ?? thread.ts!;
  const before = { alpha: alpha.requests.length, beta: beta.requests.length };
  const replies = api.messagesIn(channel, threadTs).length;
  const response = await sendSlackEvent(
    slackEventsUrl(parley),
    appMention({ channel, ...thread, text: `${BOT} ${text}` }),
    signed,
  );
  expect(response.status).toBe(200);
  await waitFor(`a reply in ${channel}/${threadTs}`, () => api.messagesIn(channel, threadTs).at(replies));
  await queueDrained(parley);
  const answered = [
    ...(alpha.requests.length > before.alpha ? ['alpha'] : []),
    ...(beta.requests.length > before.beta ? ['beta'] : []),
  ];
  return answered.join('+');
}

async function slash(channel: string, text: string): Promise<string> {
  const responseUrl = api.responseUrl();
  const response = await sendSlashCommand(
    slackEventsUrl(parley),
    slashCommand('/model', text, { channel_id: channel, response_url: responseUrl }),
    signed,
  );
  expect(response.status).toBe(200);
  const path = new URL(responseUrl).pathname;
  const answer = await waitFor('an answer to /model', () =>
    api.responses.find((posted) => posted.path === path),
  );
  return String(answer.body.text);
}

async function mentionCommand(channel: string, threadTs: string, text: string): Promise<string> {
  const before = api.callsTo('chat.postEphemeral').length;
  await sendSlackEvent(
    slackEventsUrl(parley),
    appMention({ channel, thread_ts: threadTs, text: `${BOT} ${text}` }),
    signed,
  );
  const call = await waitFor(`an ephemeral answer to "${text}"`, () =>
    api
      .callsTo('chat.postEphemeral')
      .slice(before)
      .find((candidate) => candidate.body.thread_ts === threadTs),
  );
  return String(call.body.text);
}

beforeAll(async () => {
  [alpha, beta, redis, api] = await Promise.all([
    startFakeOpenAI(),
    startFakeOpenAI(),
    startTestRedis(),
    startFixtureSlackApi(),
  ]);
  const folder = mkdtempSync(join(tmpdir(), 'parley-models-'));
  const file = join(folder, 'models.yaml');
  writeFileSync(
    file,
    [
      'models:',
      '  beta:',
      '    model: llama3.2',
      `    base_url: ${beta.url}`,
      '    context_window: 8192',
      '    max_reply_tokens: 500',
    ].join('\n'),
  );
  parley = await startTestParley({
    OPENAI_BASE_URL: alpha.url,
    MODELS_FILE: file,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'model-switch-slack',
    SLACK_BOT_TOKEN: 'xoxb-e2e',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    ADMIN_USERS: FIXTURE.user,
    LOG_LEVEL: 'silent',
  });
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([alpha?.close(), beta?.close(), redis?.close(), api?.close()]);
});

describe('model per channel and per thread on Slack', () => {
  it('/model picks the channel model, threads follow it, and "@bot model" in a thread picks it there only', async () => {
    const channel = 'C0MODELS';
    const early = nextTs();
    expect(await ask(channel, { ts: early }, 'Hello')).toBe('alpha');

    const listing = await slash(channel, '');
    expect(listing).toContain('This conversation uses `default` (the default).');
    expect(listing).toContain('`beta` — llama3.2, 8,192-token window, price unknown');
    expect(await slash(channel, 'nope')).toContain('There is no model named `nope`');

    expect(await slash(channel, 'beta')).toMatch(/This channel now uses `beta`/);
    // A new thread and the thread that existed before both follow the channel.
    const later = nextTs();
    expect(await ask(channel, { ts: later }, 'Who answers now?')).toBe('beta');
    expect(await ask(channel, { thread_ts: early }, 'And here?')).toBe('beta');
    // The switched thread's history went to the new model, with its own reply cap.
    const sent = beta.requests.at(-1)!.body;
    expect(sent.model).toBe('llama3.2');
    expect(sent.max_tokens).toBe(500);
    expect(JSON.stringify(sent.messages)).toContain('Hello');

    // Inside a thread the pick is the thread's alone.
    expect(await mentionCommand(channel, early, 'model default')).toMatch(/This thread now uses `default`/);
    expect(await ask(channel, { thread_ts: early }, 'Back to the first?')).toBe('alpha');
    expect(await ask(channel, { thread_ts: later }, 'Still the channel model?')).toBe('beta');
    expect(await mentionCommand(channel, early, 'model')).toContain('`default` (set for this thread)');

    // Another channel never picked one.
    expect(await ask('C0OTHER', { ts: nextTs() }, 'Hi')).toBe('alpha');
    // `model reset` in the channel returns it to the default; the thread keeps its own pick.
    expect(await slash(channel, 'reset')).toMatch(/uses the default model again/);
    expect(await ask(channel, { thread_ts: later }, 'And now?')).toBe('alpha');
  });
});
