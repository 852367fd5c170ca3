import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplyTarget } from '../../../src/turn/turn.ts';
import { snowflake } from '../../fakes/fake-discord-payloads.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createTestSlackReplyChannel } from '../../helpers/test-slack-reply-channel.ts';
import { useFakeDiscordReplyChannel } from '../../helpers/use-fake-discord-reply-channel.ts';

const noRecord = { previous: [], onPosted: async () => {} };

describe('showing that tools run', () => {
  let api: FakeSlackApi;
  beforeAll(async () => {
    api = await startFakeSlackApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('sets the Slack thread status to "Using <tool>…", then posts the answer', async () => {
    // The thinking status at once (no delay), so both statuses show in order.
    const replies = createTestSlackReplyChannel({
      apiUrl: api.url,
      retryConfig: { retries: 0 },
      statusDelayMs: 0,
    });
    const target: ReplyTarget = {
      platform: 'slack',
      channelId: 'C1',
      threadId: '1700000000.000100',
      workspaceId: 'T1',
    };
    const reply = replies.openReply(target, noRecord);
    await reply.showWorking();
    await reply.showToolUse?.(['fs.read_file', 'web.fetch']);
    await reply.finish('Here it is.');
    const statuses = api.callsTo('assistant.threads.setStatus').map((call) => call.body.status);
    expect(statuses).toEqual(['is thinking…', 'Using fs.read_file, web.fetch…']);
  });

  const discord = useFakeDiscordReplyChannel({ rest: { retries: 1 } });

  it('types and shows a short line on Discord until the answer replaces it', async () => {
    const target: ReplyTarget = {
      platform: 'discord',
      channelId: discord.fake.addTextChannel('tools'),
      workspaceId: discord.fake.guildId,
      replyToMessageId: snowflake(),
    };
    const reply = discord.channel.openReply(target, noRecord);
    await reply.showWorking();
    await reply.showToolUse?.(['fs.read_file']);
    expect(discord.fake.messagesIn(target.channelId).map((message) => message.content)).toEqual([
      '-# Using `fs.read_file`…',
    ]);
    expect(
      discord.fake.requests.filter((request) => request.path === `/channels/${target.channelId}/typing`)
        .length,
    ).toBeGreaterThan(0);
    await reply.finish('The file says hi.');
    expect(discord.fake.messagesIn(target.channelId).map((message) => message.content)).toEqual([
      'The file says hi.',
    ]);
  });
});
