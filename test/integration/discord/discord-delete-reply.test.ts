import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordReplyChannel } from '../../../adapters/discord/index.ts';
import { PlatformError } from '../../../src/app/errors.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { PostedMessage, ReplyChannel } from '../../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../../fakes/fake-discord-config.ts';

describe('Discord reply channel: deleting a reply', () => {
  let fake: FakeDiscord;
  let channel: ReplyChannel;
  beforeAll(async () => {
    fake = await startFakeDiscord();
    channel = createDiscordReplyChannel({
      config: fakeDiscordConfig(fake),
      logger: silentLogger,
      rest: { retries: 0 },
    });
  });
  afterAll(async () => {
    await fake.close();
  });

  /** Posts a reply of `parts` messages in a fresh channel and returns where it went and what was posted. */
  async function postReply(
    name: string,
    text: string,
  ): Promise<{ target: ReplyTarget; posted: PostedMessage[] }> {
    const target: ReplyTarget = {
      platform: 'discord',
      channelId: fake.addTextChannel(name),
      workspaceId: fake.guildId,
    };
    let posted: PostedMessage[] = [];
    const stream = channel.openReply(target, {
      previous: [],
      onPosted: async (now) => {
        posted = now;
      },
    });
    await stream.finish(text);
    return { target, posted };
  }

  it('deletes every message of the reply, skipping one already gone', async () => {
    const { target, posted } = await postReply(
      'delete-reply',
      `${'a'.repeat(1_900)}\n\n${'b'.repeat(1_900)}`,
    );
    expect(posted).toHaveLength(2);
    await fetch(`${fake.apiUrl}/v10/channels/${posted[0]!.channelId}/messages/${posted[0]!.messageId}`, {
      method: 'DELETE',
      headers: { authorization: `Bot ${fake.token}` },
    });
    await channel.deleteReply!(target, posted);
    expect(fake.messagesIn(target.channelId)).toEqual([]);
    const deletes = fake.requests.filter(
      (request) => request.route === 'DELETE /channels/:channel/messages/:message',
    );
    expect(deletes.map((request) => request.status)).toEqual([204, 404, 204]);
  });

  it('fails a delete Discord refuses as a PlatformError', async () => {
    const { target, posted } = await postReply('delete-refused', 'one');
    fake.failNext('DELETE /channels/:channel/messages/:message', 1, { status: 503 });
    await expect(channel.deleteReply!(target, posted)).rejects.toBeInstanceOf(PlatformError);
    expect(fake.messagesIn(target.channelId)).toHaveLength(1);
  });
});
