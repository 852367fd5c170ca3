import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../src/app/errors.ts';
import type { PostedMessage } from '../../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';

import { useFakeDiscordReplyChannel } from '../../helpers/use-fake-discord-reply-channel.ts';

describe('Discord reply channel: deleting a reply', () => {
  const discord = useFakeDiscordReplyChannel({ rest: { retries: 0 } });

  /** Posts a reply of `parts` messages in a fresh channel and returns where it went and what was posted. */
  async function postReply(
    name: string,
    text: string,
  ): Promise<{ target: ReplyTarget; posted: PostedMessage[] }> {
    const target: ReplyTarget = {
      platform: 'discord',
      channelId: discord.fake.addTextChannel(name),
      workspaceId: discord.fake.guildId,
    };
    let posted: PostedMessage[] = [];
    const stream = discord.channel.openReply(target, {
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
    await fetch(
      `${discord.fake.apiUrl}/v10/channels/${posted[0]!.channelId}/messages/${posted[0]!.messageId}`,
      {
        method: 'DELETE',
        headers: { authorization: `Bot ${discord.fake.token}` },
      },
    );
    await discord.channel.deleteReply!(target, posted);
    expect(discord.fake.messagesIn(target.channelId)).toEqual([]);
    const deletes = discord.fake.requests.filter(
      (request) => request.route === 'DELETE /channels/:channel/messages/:message',
    );
    expect(deletes.map((request) => request.status)).toEqual([204, 404, 204]);
  });

  it('fails a delete Discord refuses as a PlatformError', async () => {
    const { target, posted } = await postReply('delete-refused', 'one');
    discord.fake.failNext('DELETE /channels/:channel/messages/:message', 1, { status: 503 });
    await expect(discord.channel.deleteReply!(target, posted)).rejects.toBeInstanceOf(PlatformError);
    expect(discord.fake.messagesIn(target.channelId)).toHaveLength(1);
  });
});
