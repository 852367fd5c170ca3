import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeMessage, FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { FIXTURE } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { type ClickTarget, clickSlackButton, mentionBot, stopButtonOf } from '../helpers/test-slack-click.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'stop-edit-signing-secret';
const OTHER = 'U0BYSTANDER';
const ADMIN = 'U0WSADMIN';
const words = (count: number) => Array.from({ length: count }, (_, index) => `w${index}`).join(' ');

let model: FakeOpenAI;
let api: FakeSlackApi;
let parley: RunningParley;
let clicks: ClickTarget;

beforeAll(async () => {
  // Slow enough that an answer streams over seconds, as a real model's does.
  [model, api] = await Promise.all([
    startFakeOpenAI({ chunkDelayMs: 20, chunkChars: 16 }),
    startFixtureSlackApi(),
  ]);
  api.users.set(OTHER, { id: OTHER, name: 'bob', profile: { display_name: 'Bob' } });
  api.users.set(ADMIN, { id: ADMIN, name: 'ops', profile: { display_name: 'Ops' }, is_admin: true });
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    SLACK_BOT_TOKEN: 'xoxb-stop-edit',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    SLACK_STREAMING: 'edit',
    MAX_REPLY_TOKENS: '8000',
    LOG_LEVEL: 'silent',
  });
  clicks = { url: slackEventsUrl(parley), signingSecret: SECRET, api };
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), api?.close()]);
});

beforeEach(() => model.reset());

const mention = (text: string) => mentionBot(clicks, text);

const answerIn = (thread: string) => api.messagesIn(FIXTURE.channel, thread)[0];

/** The answer's message once it shows the Stop button and some streamed text. */
const streamingAnswer = (thread: string, text: string) =>
  waitFor('the answer streaming with a Stop button', () => {
    const answer = answerIn(thread);
    return answer && stopButtonOf(answer.blocks) && answer.text.includes(text) ? answer : undefined;
  });

const settled = (thread: string, text: string) =>
  waitFor(
    `a final answer in ${thread} with ${text}`,
    () => {
      const answer = answerIn(thread);
      return answer && !stopButtonOf(answer.blocks) && answer.text.includes(text) ? answer : undefined;
    },
    { timeoutMs: 20_000 },
  );

const feedbackOf = (answer: FakeMessage) =>
  (answer.blocks ?? []).find((block) => (block as { type?: string }).type === 'context_actions');

const click = (answer: FakeMessage, user?: string) => {
  const button = stopButtonOf(answer.blocks)!;
  return clickSlackButton(clicks, answer, { type: 'button', ...button }, user);
};

describe('Stop under a post-and-edit answer (SLACK_STREAMING=edit)', () => {
  it('puts Stop in the edited message; the asker stops it, and the final answer is partial, marked, without Stop', async () => {
    model.respondWith(() => words(2_000));
    const thread = await mention('Write forever');
    const streaming = await streamingAnswer(thread, 'w40');
    // The button is in the message being edited (no separate message), naming the turn and its asker.
    expect(api.messagesIn(FIXTURE.channel, thread)).toHaveLength(1);
    expect(stopButtonOf(streaming.blocks)!.value).toBe(`${FIXTURE.channel}:${thread}:${FIXTURE.user}`);
    expect(streaming.blocks![0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });

    expect((await click(streaming)).status).toBe(200);
    const answer = await settled(thread, '_(stopped)_');
    expect(answer.text.startsWith('w0 w1 w2')).toBe(true);
    expect(answer.text).not.toContain('w1999');
    expect(stopButtonOf(answer.blocks)).toBeUndefined();
    expect(feedbackOf(answer)).toBeDefined();
    expect(JSON.stringify(answer.blocks)).toContain('_(stopped)_');
    const stored = await waitFor('the stored answer', async () => {
      const messages = await parley.store.load(`slack:${FIXTURE.team}:${FIXTURE.channel}:${thread}`, {});
      return messages.find((message) => message.role === 'assistant');
    });
    expect(String(stored.content)).toContain('_(stopped)_');
    expect(String(stored.content)).not.toContain('w1999');
  });

  it("refuses someone else's click: they are told only the asker can stop, and the answer runs to its end", async () => {
    model.respondWith(() => words(300));
    const thread = await mention('Count to three hundred');
    const streaming = await streamingAnswer(thread, 'w2');
    expect((await click(streaming, OTHER)).status).toBe(200);
    const refusal = await waitFor('the refusal', () =>
      api.callsTo('chat.postEphemeral').find((call) => call.body.user === OTHER),
    );
    expect(refusal.body.text).toBe(`Only <@${FIXTURE.user}> can stop this answer.`);
    expect(refusal.body.channel).toBe(FIXTURE.channel);
    const answer = await settled(thread, 'w299');
    expect(answer.text).not.toContain('_(stopped)_');
    expect(stopButtonOf(answer.blocks)).toBeUndefined();
    expect(feedbackOf(answer)).toBeDefined();
  });

  it("lets a workspace admin stop anyone's answer", async () => {
    model.respondWith(() => words(2_000));
    const thread = await mention('Write forever again');
    const streaming = await streamingAnswer(thread, 'w40');
    expect((await click(streaming, ADMIN)).status).toBe(200);
    const answer = await settled(thread, '_(stopped)_');
    expect(answer.text).not.toContain('w1999');
    expect(api.callsTo('chat.postEphemeral').some((call) => call.body.user === ADMIN)).toBe(false);
  });

  it('drops a click whose value Parley did not write', async () => {
    model.respondWith(() => words(300));
    const thread = await mention('Count once more');
    const streaming = await streamingAnswer(thread, 'w2');
    const forged = { type: 'button', action_id: 'parley_stop', value: `${FIXTURE.channel}:${thread}` };
    expect((await clickSlackButton(clicks, streaming, forged, OTHER)).status).toBe(200);
    const answer = await settled(thread, 'w299');
    expect(answer.text).not.toContain('_(stopped)_');
  });
});
