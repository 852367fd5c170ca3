import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STATUS_DELAY_MS } from '../../adapters/slack/index.ts';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { promptText } from '../fakes/name-from-prompt.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { directMessage, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type Envelope, loadPayload } from '../integration/slack/real-payload-harness.ts';

const SECRET = 'assistant-signing-secret';
const PROMPTS = '[{"title":"Plan my day","message":"Help me plan my day."},"Tell me a joke"]';

let model: FakeOpenAI;
let api: FakeSlackApi;
let parley: RunningParley;
let url: string;

beforeAll(async () => {
  [model, api] = await Promise.all([startFakeOpenAI(), startFixtureSlackApi()]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    SLACK_BOT_TOKEN: 'xoxb-assistant',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    SLACK_ASSISTANT: 'true',
    SLACK_SUGGESTED_PROMPTS: PROMPTS,
    LOG_LEVEL: 'silent',
  });
  url = slackEventsUrl(parley);
  api.channels.set(FIXTURE.channel, { id: FIXTURE.channel, name: 'design', is_member: true });
  api.channels.set('C0NOTIN', { id: 'C0NOTIN', name: 'secret-plans', is_member: false });
  api.ai.history.set(FIXTURE.channel, [
    { ts: '1700000000.000002', text: 'Ship the blue logo', user: FIXTURE.user },
  ]);
  api.ai.history.set('C0NOTIN', [{ ts: '1700000000.000003', text: 'Merger in May', user: FIXTURE.user }]);
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), api?.close()]);
});

beforeEach(() => model.reset());

async function send(payload: unknown) {
  const response = await sendSlackEvent(url, payload, { signingSecret: SECRET });
  expect(response.status).toBe(200);
}

/** The recorded `assistant_thread_started` (SOURCES.md S21) in the fixture workspace, for a fresh thread. */
function threadStarted(threadTs: string, viewing: string): Envelope {
  const envelope = loadPayload<Envelope>('docs-assistant-thread-started.json', {
    T123ABC456: FIXTURE.team,
    U123ABC456: FIXTURE.user,
    D123ABC456: FIXTURE.dm,
    C123ABC456: viewing,
    '1729999327.187299': threadTs,
  });
  return { ...envelope, event_id: `Ev${threadTs.replace('.', '')}S` };
}

/** A message the user writes in the assistant thread (a DM thread, as Slack delivers it: `message.im`). */
const inThread = (threadTs: string, text: string) =>
  directMessage({ thread_ts: threadTs, text, channel: FIXTURE.dm });

const repliesIn = (threadTs: string) => api.messagesIn(FIXTURE.dm, threadTs);

describe('the Slack assistant pane (SLACK_ASSISTANT=true, Bolt Assistant middleware)', () => {
  it('offers the configured suggested prompts when a thread opens', async () => {
    const thread = nextTs();
    await send(threadStarted(thread, FIXTURE.channel));
    await waitFor('suggested prompts', () =>
      api.ai.suggestedPrompts.find((call) => call.thread_ts === thread),
    );
    const call = api.ai.suggestedPrompts.find((entry) => entry.thread_ts === thread)!;
    expect(call.channel_id).toBe(FIXTURE.dm);
    expect(call.prompts).toEqual([
      { title: 'Plan my day', message: 'Help me plan my day.' },
      { title: 'Tell me a joke', message: 'Tell me a joke' },
    ]);
  });

  it('titles the thread from the first question, shows status, answers, and tells the model the viewed channel', async () => {
    const thread = nextTs();
    await send(threadStarted(thread, FIXTURE.channel));
    // A model that takes longer than the status delay: the pane shows "is thinking…" meanwhile.
    model.setLatency(STATUS_DELAY_MS + 200);
    await send(inThread(thread, 'What did we decide about the logo?\nsecond line'));
    await waitFor('the answer', () => repliesIn(thread).find((message) => message.text.includes('Echo')));
    expect(api.ai.titles.filter((call) => call.thread_ts === thread).map((call) => call.title)).toEqual([
      'What did we decide about the logo?',
    ]);
    expect(api.callsTo('assistant.threads.setStatus').some((call) => call.body.thread_ts === thread)).toBe(
      true,
    );
    const prompt = promptText(model.requests[0]!.body.messages);
    expect(prompt).toContain('the user is looking at #design');
    expect(prompt).toContain('Alice: Ship the blue logo');
    // The second question neither retitles the thread nor repeats the unchanged channel.
    await send(inThread(thread, 'And the colour?'));
    await waitFor('a second request', () => model.requests[1]);
    expect(api.ai.titles.filter((call) => call.thread_ts === thread)).toHaveLength(1);
    const second = model.requests[1]!.body.messages;
    expect(JSON.stringify(second[second.length - 1])).not.toContain('looking at');
    // Its own session, as a DM thread's (DESIGN.md): slack:<team>:<dm>:<thread_ts>.
    const stored = await parley.store.load(`slack:${FIXTURE.team}:${FIXTURE.dm}:${thread}`, {});
    expect(stored.length).toBeGreaterThanOrEqual(2);
  });

  it('never tells the model about a channel the bot is not in', async () => {
    const thread = nextTs();
    await send(threadStarted(thread, 'C0NOTIN'));
    await send(inThread(thread, 'Anything new?'));
    await waitFor('a request', () => model.requests[0]);
    const prompt = promptText(model.requests[0]!.body.messages);
    expect(prompt).not.toContain('secret-plans');
    expect(prompt).not.toContain('Merger');
  });

  it('runs plain commands in the pane, and keeps "help me …" a question', async () => {
    const thread = nextTs();
    await send(threadStarted(thread, FIXTURE.channel));
    await send(inThread(thread, 'Remember: my name is Bob'));
    await waitFor('the first answer', () => repliesIn(thread)[0]);
    await send(inThread(thread, 'usage'));
    await waitFor('the usage answer', () =>
      api.callsTo('chat.postEphemeral').find((call) => String(call.body.text).includes('token')),
    );
    await send(inThread(thread, 'reset'));
    await send(inThread(thread, 'help me write a haiku'));
    await waitFor('the haiku request', () =>
      model.requests.find((r) => promptText(r.body.messages).includes('haiku')),
    );
    const haiku = model.requests.find((r) => promptText(r.body.messages).includes('haiku'))!;
    // `usage` and `reset` never reached the model; the reset made it forget Bob.
    expect(model.requests).toHaveLength(2);
    expect(promptText(haiku.body.messages)).not.toContain('Bob');
  });
});
