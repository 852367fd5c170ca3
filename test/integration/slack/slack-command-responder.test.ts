import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlatformError } from '../../../src/app/errors.ts';
import type { CommandResponse, ReplyChannel } from '../../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createTestSlackReplyChannel } from '../../helpers/test-slack-reply-channel.ts';

let api: FakeSlackApi;
let replies: ReplyChannel;
let respond: (target: ReplyTarget, response: CommandResponse) => Promise<void>;

beforeAll(async () => {
  api = await startFakeSlackApi();
  replies = createTestSlackReplyChannel({
    apiUrl: api.url,
    retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 20 },
  });
  respond = replies.respond!.bind(replies);
});

afterAll(async () => {
  await api?.close();
});

beforeEach(() => api.reset());

const pathOf = (url: string) => new URL(url).pathname;

/** A slash command's target: a channel's top level, answered through the fake's response_url. */
function slashTarget(channelId = 'C1'): ReplyTarget {
  return {
    platform: 'slack',
    channelId,
    workspaceId: 'T1',
    invoker: { userId: 'U1', responseUrl: api.responseUrl() },
  };
}

/** An "@bot <command>" target in a thread: no response_url. */
const threadTarget: ReplyTarget = {
  platform: 'slack',
  channelId: 'C1',
  threadId: '1700000000.000100',
  workspaceId: 'T1',
  invoker: { userId: 'U1' },
};

const exportFile = {
  name: 'parley-slack_T1_C1_1700000000.000100.json',
  content: `${JSON.stringify({ format: 'parley.session.v1', messages: [{ role: 'user', content: 'héllo ✓' }] }, null, 2)}\n`,
};

describe('Slack command answers (ReplyChannel.respond)', () => {
  it('answers a slash command through its response_url, ephemeral and in mrkdwn', async () => {
    const target = slashTarget();
    await respond(target, { text: '**Usage**: see [docs](https://example.com) & more' });
    expect(api.responses).toEqual([
      {
        path: pathOf(target.invoker!.responseUrl!),
        body: { response_type: 'ephemeral', text: '*Usage*: see <https://example.com|docs> &amp; more' },
        at: expect.any(Number),
      },
    ]);
    expect(api.callsTo('chat.postEphemeral')).toHaveLength(0);
    expect(api.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('answers "@bot <command>" in a thread with an ephemeral message to the invoker in that thread', async () => {
    await respond(threadTarget, { text: 'Persona reset.' });
    expect(api.callsTo('chat.postEphemeral').map((call) => call.body)).toEqual([
      { channel: 'C1', user: 'U1', thread_ts: '1700000000.000100', text: 'Persona reset.' },
    ]);
    expect(api.responses).toHaveLength(0);
  });

  it('falls back to an ephemeral message when the response_url has expired', async () => {
    api.failNext('response_url', 1, { status: 404 });
    await respond(slashTarget(), { text: 'late answer' });
    expect(api.responses).toHaveLength(0);
    expect(api.callsTo('chat.postEphemeral').map((call) => call.body)).toEqual([
      { channel: 'C1', user: 'U1', text: 'late answer' },
    ]);
  });

  it('never posts to a response_url that is not Slack’s', async () => {
    const target: ReplyTarget = {
      ...slashTarget(),
      invoker: { userId: 'U1', responseUrl: 'https://collector.example.com/steal' },
    };
    await respond(target, { text: 'private' });
    expect(api.callsTo('chat.postEphemeral')).toHaveLength(1);
  });

  it('splits a long answer into several ephemeral messages', async () => {
    const long = Array.from({ length: 400 }, (_, index) => `line ${index} of a long persona`).join('\n');
    await respond(threadTarget, { text: long });
    const posts = api.callsTo('chat.postEphemeral');
    expect(posts.length).toBeGreaterThan(1);
    for (const post of posts) expect(String(post.body.text).length).toBeLessThanOrEqual(3_500);
    expect(posts.map((post) => String(post.body.text)).join('\n')).toBe(long);
  });

  it('reports a failed ephemeral answer as PlatformError (retryable or not)', async () => {
    api.failNext('chat.postEphemeral', 1, { ok: false, error: 'channel_not_found' });
    const refused = await respond(threadTarget, { text: 'x' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PlatformError);
    expect(refused).toMatchObject({ isRetryable: false });
    api.failNext('chat.postEphemeral', 2, { status: 503 });
    const outage = await respond(threadTarget, { text: 'x' }).catch((error: unknown) => error);
    expect(outage).toMatchObject({ isRetryable: true });
  });

  it('uploads an export into the thread with files.uploadV2: upload URL, bytes, completion with the comment', async () => {
    await respond(threadTarget, {
      text: 'Here is this conversation (1 messages) as JSON.',
      file: exportFile,
    });
    const methods = api.calls.map((call) => call.method);
    expect(methods).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(api.callsTo('files.getUploadURLExternal')[0]?.body).toMatchObject({
      filename: exportFile.name,
      length: String(Buffer.byteLength(exportFile.content)),
    });
    const [upload] = api.uploads;
    expect(upload).toMatchObject({
      filename: exportFile.name,
      completed: true,
      channel: 'C1',
      threadTs: '1700000000.000100',
      initialComment: 'Here is this conversation (1 messages) as JSON.',
    });
    expect(upload?.bytes?.toString('utf8')).toBe(exportFile.content);
    expect(JSON.parse(upload!.bytes!.toString('utf8'))).toMatchObject({ format: 'parley.session.v1' });
    // The file is the answer: nothing else is posted.
    expect(api.responses).toHaveLength(0);
    expect(api.callsTo('chat.postEphemeral')).toHaveLength(0);
  });

  it("uploads a slash command's export at the channel's top level", async () => {
    await respond(slashTarget('D1'), { text: 'Here it is.', file: exportFile });
    expect(api.uploads[0]).toMatchObject({ completed: true, channel: 'D1', threadTs: undefined });
    const completion = api.callsTo('files.completeUploadExternal')[0]!;
    expect(completion.body.thread_ts).toBeUndefined();
  });

  it('tells the invoker privately when Slack refuses the file', async () => {
    api.failNext('files.getUploadURLExternal', 1, { ok: false, error: 'not_in_channel' });
    const target = slashTarget();
    await respond(target, { text: 'Here it is.', file: exportFile });
    expect(api.uploads).toHaveLength(0);
    expect(api.responses).toHaveLength(1);
    expect(String(api.responses[0]?.body.text)).toMatch(
      /^Here it is\.\n_I could not attach the file here \(not_in_channel\)/,
    );
  });

  it('retries the upload (as a retryable failure) when the upload URL fails', async () => {
    api.failNext('upload', 5, { status: 500 });
    const failure = await respond(threadTarget, { text: 'x', file: exportFile }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure).toMatchObject({ isRetryable: true });
    expect(api.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it('posts in the conversation when a turn carries no invoker', async () => {
    const { invoker: _invoker, ...target } = threadTarget;
    await respond(target, { text: 'for everyone' });
    expect(api.callsTo('chat.postMessage').map((call) => call.body)).toMatchObject([
      { channel: 'C1', thread_ts: '1700000000.000100', text: 'for everyone' },
    ]);
  });
});
