import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelDirectory } from '../../../adapters/slack/channel-directory.ts';
import { PlatformError } from '../../../src/app/errors.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createTestSlackReplyChannel } from '../../helpers/test-slack-reply-channel.ts';

let api: FakeSlackApi;

beforeAll(async () => {
  api = await startFakeSlackApi();
});

afterAll(() => api?.close());

const target: ReplyTarget = {
  platform: 'slack',
  channelId: 'C1',
  threadId: '1700000000.000100',
  workspaceId: 'T1',
};

function replyChannel() {
  return createTestSlackReplyChannel({ apiUrl: api.url });
}

/** Posts a finished reply of `text` and returns the messages it made. */
async function postReply(text: string) {
  const posted: Array<{ channelId: string; messageId: string }> = [];
  const stream = replyChannel().openReply(target, {
    previous: [],
    onPosted: async (all) => void posted.splice(0, posted.length, ...all),
  });
  await stream.finish(text);
  return posted;
}

describe('Slack deleteReply', () => {
  it("deletes every message of the bot's reply, skipping one already gone", async () => {
    const posted = await postReply('an answer to take back');
    const gone = { channelId: 'C1', messageId: '1700000999.000001' };
    await replyChannel().deleteReply!(target, [...posted, gone]);
    expect(api.callsTo('chat.delete').map((call) => call.body.ts)).toEqual([
      ...posted.map((message) => message.messageId),
      gone.messageId,
    ]);
    for (const message of posted) expect(api.messages.has(message.messageId)).toBe(false);
  });

  it('throws other failures as a PlatformError, so the turn can be retried or given up', async () => {
    const posted = await postReply('another answer');
    api.failNext('chat.delete', 1, { ok: false, error: 'cant_delete_message' });
    await expect(replyChannel().deleteReply!(target, posted)).rejects.toBeInstanceOf(PlatformError);
  });
});

describe('Slack channel names (conversations.info)', () => {
  it('looks a channel up once and remembers it; an unknown one stays unnamed', async () => {
    api.channels.set('C0GENERAL', { id: 'C0GENERAL', name: 'general' });
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: api.url, retryConfig: { retries: 0 } });
    const channels = createChannelDirectory({ client, logger: silentLogger });
    const before = api.callsTo('conversations.info').length;
    expect(await channels.names(['C0GENERAL', 'C0MISSING', 'not-an-id'])).toEqual(
      new Map([['C0GENERAL', 'general']]),
    );
    expect(await channels.names(['C0GENERAL', 'C0MISSING'])).toEqual(new Map([['C0GENERAL', 'general']]));
    expect(api.callsTo('conversations.info').length - before).toBe(2);
  });
});
