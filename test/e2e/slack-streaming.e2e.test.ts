import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { directMessage, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { clickSlackButton } from '../helpers/test-slack-click.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'streaming-signing-secret';
const ANSWER = Array.from({ length: 250 }, (_, index) => `word${index}`).join(' ');

let model: FakeOpenAI;
let api: FakeSlackApi;
let parley: RunningParley;
let url: string;

beforeAll(async () => {
  // Slow enough that an answer streams over a few seconds, as a real model's does.
  [model, api] = await Promise.all([
    startFakeOpenAI({ chunkDelayMs: 20, chunkChars: 16 }),
    startFixtureSlackApi(),
  ]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    SLACK_BOT_TOKEN: 'xoxb-streaming',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    SLACK_ASSISTANT: 'true',
    MAX_REPLY_TOKENS: '4000',
    LOG_LEVEL: 'silent',
  });
  url = slackEventsUrl(parley);
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), api?.close()]);
});

beforeEach(() => {
  model.reset();
  api.ai.refuseStreams(undefined);
});

async function ask(threadTs: string, text: string) {
  const response = await sendSlackEvent(url, directMessage({ thread_ts: threadTs, text }), {
    signingSecret: SECRET,
  });
  expect(response.status).toBe(200);
}

const callsIn = (method: string, threadTs: string) =>
  api.callsTo(method).filter((call) => call.body.thread_ts === threadTs);

/** Waits until the thread's last bot message is final (not streaming) and reads `text`. */
const settled = (threadTs: string, text: string) =>
  waitFor(
    () =>
      `a settled answer in ${threadTs}: ${JSON.stringify(api.messagesIn(FIXTURE.dm, threadTs).map((m) => [m.streaming, m.text.slice(-80)]))}`,
    () => {
      const messages = api.messagesIn(FIXTURE.dm, threadTs);
      const last = messages.at(-1);
      return last && !last.streaming && last.text.includes(text) ? messages : undefined;
    },
    { timeoutMs: 20_000 },
  );

describe('Slack native streaming (SLACK_STREAMING=native, the default)', () => {
  it('streams an assistant-thread answer with startStream, appendStream and stopStream', async () => {
    model.respondWith(() => ANSWER);
    const thread = nextTs();
    await ask(thread, 'Count for me');
    const [message] = await settled(thread, 'word249');
    expect(message!.text).toBe(ANSWER);
    expect(callsIn('chat.startStream', thread)).toHaveLength(1);
    const ts = message!.ts;
    const appends = api.callsTo('chat.appendStream').filter((call) => call.body.ts === ts);
    expect(appends.length).toBeGreaterThan(0);
    expect(api.callsTo('chat.stopStream').filter((call) => call.body.ts === ts)).toHaveLength(1);
    // Nothing was posted or edited the old way: the one post is the Stop button, removed once the answer is final.
    const posts = callsIn('chat.postMessage', thread);
    expect(posts.map((call) => JSON.stringify(call.body.blocks ?? '').includes('parley_stop'))).toEqual([
      true,
    ]);
    expect(api.messagesIn(FIXTURE.dm, thread)).toHaveLength(1);
    expect(api.callsTo('chat.update').filter((call) => call.body.ts === ts)).toHaveLength(0);
  });

  it('falls back to post-and-edit when Slack refuses to start a stream', async () => {
    model.respondWith(() => ANSWER);
    api.ai.refuseStreams('invalid_arguments');
    const thread = nextTs();
    await ask(thread, 'Count again');
    const [message] = await settled(thread, 'word249');
    expect(message!.text).toBe(ANSWER);
    expect(callsIn('chat.startStream', thread).length).toBeGreaterThanOrEqual(1);
    expect(callsIn('chat.postMessage', thread)).toHaveLength(1);
    expect(api.callsTo('chat.update').filter((call) => call.body.ts === message!.ts).length).toBeGreaterThan(
      0,
    );
    expect(api.callsTo('chat.appendStream').filter((call) => call.body.ts === message!.ts)).toHaveLength(0);
  });

  it('rolls a long answer over into new messages before Slack refuses its length, code fences intact', async () => {
    const code = Array.from({ length: 175 }, (_, index) => `const value${index} = ${index} * 2;`).join('\n');
    const answer = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nDone.`;
    model.respondWith(() => answer);
    const thread = nextTs();
    await ask(thread, 'Write a lot of code');
    const messages = await settled(thread, 'Done.');
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const message of messages) {
      expect(message.text.length).toBeLessThanOrEqual(3_500);
      const fences = message.text.split('\n').filter((line) => line.startsWith('```'));
      expect(fences.length % 2).toBe(0);
    }
    const lines = messages
      .flatMap((message) => message.text.split('\n'))
      .filter((line) => line.startsWith('const '));
    expect(lines).toEqual(code.split('\n'));
    expect(api.ai.rateLimited).toBe(0);
  });
});

/** A click of a button under a message, as Slack posts it (see `clickSlackButton`). */
const clickButton = (
  message: { ts: string; channel: string },
  action: Record<string, unknown>,
  user: string = FIXTURE.user,
) => clickSlackButton({ url, signingSecret: SECRET, api }, message, action, user);

/** The feedback button element under a message, as Parley put it there. */
function feedbackButtons(blocks: unknown[] | undefined) {
  const block = (blocks ?? []).find((entry) => (entry as { type?: string }).type === 'context_actions') as
    | {
        elements: Array<{
          type: string;
          action_id: string;
          positive_button: { value: string };
          negative_button: { value: string };
        }>;
      }
    | undefined;
  return block?.elements.find((element) => element.type === 'feedback_buttons');
}

describe('feedback under answers', () => {
  it('puts 👍/👎 under a streamed answer and records a click per conversation, channel and model', async () => {
    model.respondWith(() => 'A short answer.');
    const thread = nextTs();
    await ask(thread, 'Tell me something');
    const [answer] = await settled(thread, 'A short answer.');
    const buttons = feedbackButtons(answer!.blocks);
    expect(buttons?.action_id).toBe('parley_feedback');
    const click = (value: string, user?: string) =>
      clickButton(answer!, { type: 'feedback_buttons', action_id: 'parley_feedback', value }, user);
    expect((await click(buttons!.positive_button.value)).status).toBe(200);
    expect((await click(buttons!.negative_button.value, 'U0SECOND')).status).toBe(200);
    // The same click again changes nothing.
    expect((await click(buttons!.positive_button.value)).status).toBe(200);

    await ask(thread, 'usage');
    const usage = await waitFor('the usage answer', () =>
      api.callsTo('chat.postEphemeral').find((call) => String(call.body.text).includes('feedback')),
    );
    expect(String(usage.body.text)).toContain('feedback here: 👍 1 · 👎 1');
    const metrics = await (await fetch(`http://127.0.0.1:${parley.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/parley_feedback_total\{value="up"\} 1\b/);
    expect(metrics).toMatch(/parley_feedback_total\{value="down"\} 1\b/);
  });

  it('puts them under an edited answer too (post-and-edit), with its text kept as sections', async () => {
    model.respondWith(() => 'Edited answer.');
    api.ai.refuseStreams('invalid_arguments');
    const thread = nextTs();
    await ask(thread, 'Tell me more');
    await settled(thread, 'Edited answer.');
    await waitFor('the buttons', () => feedbackButtons(api.messagesIn(FIXTURE.dm, thread)[0]?.blocks));
    const [answer] = api.messagesIn(FIXTURE.dm, thread);
    expect(answer!.blocks![0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Edited answer.' } });
  });
});

describe('Stop while an answer streams', () => {
  it('ends the model call at a click of Stop, keeping the answer so far marked as stopped', async () => {
    const long = Array.from({ length: 2_000 }, (_, index) => `w${index}`).join(' ');
    model.respondWith(() => long);
    const thread = nextTs();
    await ask(thread, 'Write forever');
    const control = await waitFor('the Stop button', () =>
      api
        .messagesIn(FIXTURE.dm, thread)
        .find((message) => JSON.stringify(message.blocks ?? '').includes('parley_stop')),
    );
    const button = (control.blocks![0] as { elements: Array<{ action_id: string; value: string }> })
      .elements[0]!;
    // Let some of the answer arrive first.
    await waitFor('some streamed text', () => api.messagesIn(FIXTURE.dm, thread)[0]?.text.includes('w40'));
    const response = await clickButton(control, {
      type: 'button',
      action_id: button.action_id,
      value: button.value,
    });
    expect(response.status).toBe(200);
    const [answer] = await settled(thread, '_(stopped)_');
    expect(answer!.text.startsWith('w0 w1 w2')).toBe(true);
    expect(answer!.text).not.toContain('w1999');
    // The button is gone; the stopped answer is what the conversation remembers.
    expect(api.messagesIn(FIXTURE.dm, thread)).toHaveLength(1);
    const stored = await waitFor('the stored answer', async () => {
      const messages = await parley.store.load(`slack:${FIXTURE.team}:${FIXTURE.dm}:${thread}`, {});
      return messages.find((message) => message.role === 'assistant');
    });
    expect(String(stored.content)).toContain('_(stopped)_');
  });
});
