import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackReplyChannel } from '../../../adapters/slack/index.ts';
import { PlatformError } from '../../../src/app/errors.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { PostedMessage, ReplyChannel } from '../../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { testSlackConfig } from '../../helpers/test-slack-config.ts';
import { createTestSlackReplyChannel } from '../../helpers/test-slack-reply-channel.ts';

let api: FakeSlackApi;
let replies: ReplyChannel;
let threadCounter = 0;

beforeAll(async () => {
  api = await startFakeSlackApi();
});

afterAll(async () => {
  await api?.close();
});

beforeEach(() => {
  api.reset();
  // A fresh channel per test: it remembers whether the thinking status is available. The status is shown at
  // once here; its delay has tests of its own below.
  replies = createTestSlackReplyChannel({
    apiUrl: api.url,
    retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 20 },
    statusDelayMs: 0,
  });
});

function threadTarget(): ReplyTarget {
  threadCounter += 1;
  return {
    platform: 'slack',
    channelId: 'C1',
    threadId: `1700000000.${String(threadCounter).padStart(6, '0')}`,
    workspaceId: 'T1',
  };
}

function recorder() {
  const records: PostedMessage[][] = [];
  return { records, onPosted: async (posted: PostedMessage[]) => void records.push(posted) };
}

const fenceCount = (text: string) => text.split('\n').filter((line) => line.startsWith('```')).length;

describe('Slack reply channel against the fake Web API', () => {
  it('shows the native thinking status, then posts the streamed text and settles on the final text', async () => {
    const target = threadTarget();
    const { records, onPosted } = recorder();
    const reply = replies.openReply(target, { previous: [], onPosted });
    await reply.showWorking();
    expect(api.callsTo('assistant.threads.setStatus')[0]?.body).toMatchObject({
      channel_id: 'C1',
      thread_ts: target.threadId,
      status: 'is thinking…',
    });
    expect(api.callsTo('chat.postMessage')).toHaveLength(0);
    reply.update('Hello **wor');
    await api.waitFor(() => api.callsTo('chat.postMessage').length === 1);
    await reply.finish('Hello **world**, see [docs](https://example.com)');
    const [message] = api.messagesIn('C1', target.threadId);
    expect(message?.text).toBe('Hello *world*, see <https://example.com|docs>');
    expect(records.at(-1)).toEqual([{ channelId: 'C1', messageId: message?.ts }]);
  });

  it('posts a placeholder when the status is unavailable, edits it into the reply, and stops trying the status', async () => {
    api.failNext('assistant.threads.setStatus', 1, { ok: false, error: 'missing_scope' });
    const target = threadTarget();
    const { records, onPosted } = recorder();
    const reply = replies.openReply(target, { previous: [], onPosted });
    await reply.showWorking();
    const [placeholder] = api.messagesIn('C1', target.threadId);
    expect(placeholder?.text).toBe('_Thinking…_');
    expect(records).toEqual([[{ channelId: 'C1', messageId: placeholder?.ts }]]);
    reply.update('partial answer');
    await reply.finish('final answer');
    expect(api.messagesIn('C1', target.threadId)).toMatchObject([
      { ts: placeholder?.ts, text: 'final answer' },
    ]);
    expect(api.callsTo('chat.postMessage')).toHaveLength(1);

    // The next reply does not ask for the status again.
    const next = replies.openReply(threadTarget(), { previous: [], onPosted: async () => {} });
    await next.showWorking();
    expect(api.callsTo('assistant.threads.setStatus')).toHaveLength(1);
    expect(api.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it("answers a DM's top level without a thread", async () => {
    const target: ReplyTarget = { platform: 'slack', channelId: 'D1', workspaceId: 'T1' };
    const reply = replies.openReply(target, { previous: [], onPosted: async () => {} });
    await reply.showWorking();
    await reply.finish('hi there');
    const posts = api.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.thread_ts).toBeUndefined();
    expect(api.messagesIn('D1')[0]?.text).toBe('hi there');
  });

  it('throttles streaming edits: 50 rapid updates make a handful of edits, the last one with the final text', async () => {
    const isolated = createSlackReplyChannel({
      config: testSlackConfig(api.url),
      logger: silentLogger,
      statusDelayMs: 0,
    });
    api.failNext('assistant.threads.setStatus', Number.POSITIVE_INFINITY, {
      ok: false,
      error: 'missing_scope',
    });
    const target = threadTarget();
    const reply = isolated.openReply(target, { previous: [], onPosted: async () => {} });
    await reply.showWorking();
    const started = Date.now();
    let text = '';
    for (let index = 0; index < 50; index++) {
      text += `word${index} `;
      reply.update(text);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await reply.finish(`${text}done`);
    const seconds = (Date.now() - started) / 1000;
    const edits = api.callsTo('chat.update');
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(edits.at(-1)?.body.text).toBe(`${text}done`);
    // A short reply stays one message (the unit test of the throttle proves edits never overlap).
    expect(api.messagesIn('C1', target.threadId)).toHaveLength(1);
  });

  it('splits a 9,000-character reply with a code block into balanced messages in the thread', async () => {
    api.failNext('assistant.threads.setStatus', 1, { ok: false, error: 'not_in_channel' });
    const target = threadTarget();
    const { records, onPosted } = recorder();
    const reply = replies.openReply(target, { previous: [], onPosted });
    await reply.showWorking();
    const code = Array.from(
      { length: 180 },
      (_, index) => `    result_${index} = transform(data[${index}])  # step ${index}`,
    );
    const prose = (seed: number) => Array.from({ length: 90 }, (_, index) => `p${seed}w${index}`).join(' ');
    const text = ['## Plan', '', prose(1), '', '```python', ...code, '```', '', prose(2)].join('\n');
    expect(text.length).toBeGreaterThan(9_000);
    await reply.finish(text);

    const messages = api.messagesIn('C1', target.threadId);
    expect(messages.length).toBeGreaterThanOrEqual(3);
    expect(messages[0]?.edits).toBeGreaterThan(0); // the placeholder became the first part
    for (const message of messages) {
      expect(message.text.length).toBeLessThanOrEqual(3_500);
      expect(fenceCount(message.text) % 2).toBe(0);
    }
    expect(messages[0]?.text.startsWith('*Plan*')).toBe(true);
    const joined = messages
      .map((message) => message.text)
      .join('\u{E000}')
      .replace(/\n```\u{E000}```python\n/gu, '\n')
      .replace(/\u{E000}/gu, '\n');
    const squash = (value: string) => value.replace(/\s+/g, ' ').trim();
    for (const line of code) expect(squash(joined)).toContain(squash(line));
    expect(squash(joined)).toContain(squash(prose(2)));
    expect(records.at(-1)?.map((posted) => posted.messageId)).toEqual(messages.map((message) => message.ts));
  });

  it('edits the messages of an earlier, interrupted run instead of posting again', async () => {
    const target = threadTarget();
    const long = Array.from({ length: 3 }, (_, index) => `${`para${index} `.repeat(300)}`).join('\n\n');
    // First run: placeholder posted, then the worker died before finishing.
    api.failNext('assistant.threads.setStatus', 1, { ok: false, error: 'not_in_channel' });
    const first = recorder();
    await replies.openReply(target, { previous: [], onPosted: first.onPosted }).showWorking();
    const previous = first.records.at(-1)!;
    expect(previous).toHaveLength(1);
    const postsBefore = api.callsTo('chat.postMessage').length;

    // Re-run: no new placeholder or status; the old message becomes part 1, only the missing parts are posted.
    const second = recorder();
    const rerun = replies.openReply(target, { previous, onPosted: second.onPosted });
    await rerun.showWorking();
    expect(api.callsTo('assistant.threads.setStatus')).toHaveLength(1);
    await rerun.finish(long);
    const messages = api.messagesIn('C1', target.threadId);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages[0]?.ts).toBe(previous[0]?.messageId);
    expect(api.callsTo('chat.postMessage').length - postsBefore).toBe(messages.length - 1);
    const recorded = second.records.at(-1)!;

    // A third run with everything recorded posts nothing at all.
    const third = replies.openReply(target, { previous: recorded, onPosted: async () => {} });
    await third.showWorking();
    await third.finish(long);
    expect(api.messagesIn('C1', target.threadId)).toHaveLength(messages.length);
    expect(api.callsTo('chat.postMessage').length - postsBefore).toBe(messages.length - 1);

    // A re-run with a shorter answer removes the leftover parts.
    const fourth = recorder();
    await replies.openReply(target, { previous: recorded, onPosted: fourth.onPosted }).finish('short now');
    expect(api.messagesIn('C1', target.threadId).map((message) => message.text)).toEqual(['short now']);
    expect(fourth.records.at(-1)).toEqual([previous[0]]);
  });

  it('posts a replacement when a previous message was deleted', async () => {
    const target = threadTarget();
    const { records, onPosted } = recorder();
    const gone: PostedMessage = { channelId: 'C1', messageId: '1600000000.999999' };
    await replies.openReply(target, { previous: [gone], onPosted }).finish('back again');
    const [message] = api.messagesIn('C1', target.threadId);
    expect(message?.text).toBe('back again');
    expect(records.at(-1)).toEqual([{ channelId: 'C1', messageId: message?.ts }]);
  });

  it('waits for Retry-After on a 429 and retries', async () => {
    api.failNext('assistant.threads.setStatus', 1, { ok: false, error: 'not_in_channel' });
    api.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
    const target = threadTarget();
    const reply = replies.openReply(target, { previous: [], onPosted: async () => {} });
    await reply.showWorking();
    await reply.finish('after the rate limit');
    const posts = api.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(900);
    expect(api.messagesIn('C1', target.threadId).map((message) => message.text)).toEqual([
      'after the rate limit',
    ]);
  });

  it('reports failures as PlatformError with isRetryable', async () => {
    api.failNext('chat.postMessage', 1, { ok: false, error: 'channel_not_found' });
    const dm: ReplyTarget = { platform: 'slack', channelId: 'D404', workspaceId: 'T1' };
    const failure = await replies
      .openReply(dm, { previous: [], onPosted: async () => {} })
      .finish('nobody hears this')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure).toMatchObject({ platform: 'slack', isRetryable: false });
    expect((failure as Error).message).toContain('channel_not_found');

    api.failNext('chat.postMessage', 2, { status: 503 });
    const outage = await replies
      .openReply(dm, { previous: [], onPosted: async () => {} })
      .finish('server down')
      .catch((error: unknown) => error);
    expect(outage).toBeInstanceOf(PlatformError);
    expect(outage).toMatchObject({ platform: 'slack', isRetryable: true });
  });

  it('sends the bot token and honours SLACK_API_URL', async () => {
    await replies
      .openReply({ platform: 'slack', channelId: 'D2' }, { previous: [], onPosted: async () => {} })
      .finish('x');
    expect(api.callsTo('chat.postMessage')[0]?.token).toBe('xoxb-test');
  });
});

describe('the thinking status, shown only once the model has taken a while (statusDelayMs)', () => {
  const DELAY_MS = 150;
  const delayed = (failStatus = false) => {
    if (failStatus) api.failNext('assistant.threads.setStatus', 1, { ok: false, error: 'missing_scope' });
    return createTestSlackReplyChannel({ apiUrl: api.url, statusDelayMs: DELAY_MS });
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const order = () => api.calls.map((call) => call.method).filter((method) => method !== 'auth.test');

  it('is not waited for: the model is asked at once, and a quick answer is written without any status', async () => {
    const target = threadTarget();
    const reply = delayed().openReply(target, { previous: [], onPosted: async () => {} });
    await reply.showWorking();
    expect(order()).toEqual([]);
    reply.update('Quick');
    await reply.finish('Quick answer.');
    await sleep(DELAY_MS * 2);
    expect(order()).toEqual(['chat.postMessage']);
    expect(api.messagesIn('C1', target.threadId).map((message) => message.text)).toEqual(['Quick answer.']);
  });

  it('posts an answer that arrived whole (its chunks read together) once, final, without an edit', async () => {
    const target = threadTarget();
    const reply = delayed().openReply(target, { previous: [], onPosted: async () => {} });
    await reply.showWorking();
    // The model's chunks, parsed from one read: microtasks apart, within one turn of the event loop.
    const microtasks = async (count: number) => {
      for (let i = 0; i < count; i++) await Promise.resolve();
    };
    reply.update('Whole');
    await microtasks(10);
    reply.update('Whole answer');
    await microtasks(10);
    await reply.finish('Whole answer.', {
      isError: false,
      answer: { sessionId: 'slack:T1:C1', scopeId: 'slack:T1:C1', model: 'gpt-4o-mini' },
    });
    expect(order()).toEqual(['chat.postMessage']);
    const [message] = api.messagesIn('C1', target.threadId);
    expect(message?.text).toBe('Whole answer.');
    // The one post carries the feedback buttons too.
    expect(JSON.stringify(message?.blocks)).toContain('parley_feedback');
  });

  it('shows "is thinking…" once the delay has passed, before the first text', async () => {
    const target = threadTarget();
    const reply = delayed().openReply(target, { previous: [], onPosted: async () => {} });
    await reply.showWorking();
    await api.waitFor(() => api.callsTo('assistant.threads.setStatus').length === 1);
    reply.update('Slow');
    await reply.finish('Slow answer.');
    expect(order()).toEqual(['assistant.threads.setStatus', 'chat.postMessage']);
  });

  it('posts no placeholder for a quick answer where the status is unavailable, and one for a slow answer', async () => {
    const replies = delayed(true);
    const quick = threadTarget();
    const first = replies.openReply(quick, { previous: [], onPosted: async () => {} });
    await first.showWorking();
    // Slow: the status is refused (missing_scope), so the placeholder is posted and then edited.
    await api.waitFor(() => api.callsTo('chat.postMessage').length === 1);
    expect(api.messagesIn('C1', quick.threadId)[0]?.text).toBe('_Thinking…_');
    await first.finish('Slow answer.');
    expect(api.messagesIn('C1', quick.threadId).map((message) => message.text)).toEqual(['Slow answer.']);
    // Quick, on the same channel (which now knows the status is unavailable): only the answer.
    const second = threadTarget();
    const reply = replies.openReply(second, { previous: [], onPosted: async () => {} });
    await reply.showWorking();
    await reply.finish('Quick answer.');
    await sleep(DELAY_MS * 2);
    expect(
      api.callsTo('chat.postMessage').filter((call) => call.body.thread_ts === second.threadId),
    ).toHaveLength(1);
    expect(api.messagesIn('C1', second.threadId).map((message) => message.text)).toEqual(['Quick answer.']);
  });

  it('is not shown over a tool status that came first', async () => {
    const target = threadTarget();
    const reply = delayed().openReply(target, { previous: [], onPosted: async () => {} });
    await reply.showWorking();
    await reply.showToolUse?.(['web.fetch']);
    await sleep(DELAY_MS * 2);
    expect(api.callsTo('assistant.threads.setStatus').map((call) => call.body.status)).toEqual([
      'Using web.fetch…',
    ]);
    await reply.finish('Fetched.');
  });
});
