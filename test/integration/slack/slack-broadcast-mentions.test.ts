import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReplyChannel } from '../../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createTestSlackReplyChannel } from '../../helpers/test-slack-reply-channel.ts';

// A model can write Slack's broadcast syntax: posted as it is, `<!channel>` would page everyone in the channel.

const ANSWER =
  'Heads up <!channel>, <!here|here> and <!everyone>: ask <!subteam^S0123|@devs> or <!subteam^S0456>, ' +
  'or <@U0BOB>. Plain @channel and @here are words.';
const DEFUSED =
  'Heads up @channel, @here and @everyone: ask @devs or @subteam, or <@U0BOB>. Plain @channel and @here are words.';

let api: FakeSlackApi;
let threadCounter = 0;

function replyChannel(allowBroadcastMentions?: boolean): ReplyChannel {
  return createTestSlackReplyChannel({
    apiUrl: api.url,
    config: allowBroadcastMentions === undefined ? {} : { allowBroadcastMentions },
    editIntervalMs: 10,
  });
}

function threadTarget(): ReplyTarget {
  threadCounter += 1;
  const threadId = `1700000000.${String(threadCounter).padStart(6, '0')}`;
  return { platform: 'slack', channelId: 'C1', threadId, workspaceId: 'T1' };
}

/** Streams the answer into a reply, then finishes it; returns the text the thread shows. */
async function reply(channel: ReplyChannel, text: string): Promise<string | undefined> {
  const target = threadTarget();
  const stream = channel.openReply(target, { previous: [], onPosted: async () => {} });
  await stream.showWorking();
  stream.update(text.slice(0, 40));
  await api.waitFor(() => api.callsTo('chat.postMessage').length > 0);
  stream.update(text);
  await stream.finish(text);
  return api.messagesIn('C1', target.threadId).at(-1)?.text;
}

/** The calls that put text in a channel. */
const textCalls = (): RecordedCall[] => [...api.callsTo('chat.postMessage'), ...api.callsTo('chat.update')];

beforeAll(async () => {
  api = await startFakeSlackApi();
});

afterAll(async () => {
  await api?.close();
});

beforeEach(() => api.reset());

describe('broadcast mentions in model output on Slack', () => {
  it('are shown as plain text, while the streamed and the final text keep user mentions', async () => {
    expect(await reply(replyChannel(), ANSWER)).toBe(DEFUSED);
    expect(textCalls().length).toBeGreaterThan(1);
    for (const call of textCalls()) expect(String(call.body.text)).not.toContain('<!');
  });

  it('never ask Slack to link plain @names (no link_names, no parse=full)', async () => {
    await reply(replyChannel(), ANSWER);
    for (const call of textCalls()) {
      expect([undefined, false, 'false', '0']).toContain(call.body.link_names);
      expect(call.body.parse).not.toBe('full');
    }
  });

  it('stay real pings when ALLOW_BROADCAST_MENTIONS is set (config.allowBroadcastMentions)', async () => {
    expect(await reply(replyChannel(true), ANSWER)).toBe(ANSWER);
  });

  it('are plain text in command answers too (a persona or summary may quote them)', async () => {
    const channel = replyChannel();
    const target: ReplyTarget = {
      platform: 'slack',
      channelId: 'C1',
      workspaceId: 'T1',
      invoker: { userId: 'U1', responseUrl: api.responseUrl() },
    };
    await channel.respond!(target, { text: 'Persona: always greet <!here> first.' });
    expect(api.responses.at(-1)?.body.text).toBe('Persona: always greet @here first.');
  });
});
