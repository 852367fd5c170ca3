import { DiscordAPIError, type REST } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { createDiscordMessageDriver } from '../../../../adapters/discord/discord-message-driver.ts';
import { UNKNOWN_MESSAGE } from '../../../../adapters/discord/discord-rest.ts';

interface Call {
  method: string;
  route: string;
  body: Record<string, unknown>;
}

function fakeRest(patch: () => Promise<unknown> = async () => ({})) {
  const calls: Call[] = [];
  const rest = {
    post: async (route: string, options: { body: Record<string, unknown> }) => {
      calls.push({ method: 'post', route, body: options.body });
      return { id: `m${calls.length}` };
    },
    patch: async (route: string, options: { body: Record<string, unknown> }) => {
      calls.push({ method: 'patch', route, body: options.body });
      return patch();
    },
  } as unknown as REST;
  return { rest, calls };
}

const target = { platform: 'discord' as const, channelId: '10', replyToMessageId: '99' };

describe('createDiscordMessageDriver', () => {
  it('posts the first message as a reply to the question, the others plainly, pinging nobody', async () => {
    const { rest, calls } = fakeRest();
    const driver = createDiscordMessageDriver(rest, target);
    expect(await driver.post('one', 0)).toEqual({ channelId: '10', messageId: 'm1' });
    await driver.post('two', 1);
    expect(calls[0]!.body).toEqual({
      content: 'one',
      allowed_mentions: { parse: [], replied_user: false },
      message_reference: { message_id: '99', fail_if_not_exists: false },
    });
    expect(calls[1]!.body).toEqual({ content: 'two', allowed_mentions: { parse: [], replied_user: false } });
  });

  it('posts without a reference where there is no question to point at (DMs)', async () => {
    const { rest, calls } = fakeRest();
    await createDiscordMessageDriver(rest, { platform: 'discord', channelId: '10' }).post('one', 0);
    expect(calls[0]!.body).not.toHaveProperty('message_reference');
  });

  it('edits in place; says false for a deleted message and throws anything else', async () => {
    const message = { channelId: '10', messageId: '5' };
    const ok = fakeRest();
    expect(await createDiscordMessageDriver(ok.rest, target).edit(message, 'x')).toBe(true);
    expect(ok.calls[0]).toMatchObject({ method: 'patch', route: '/channels/10/messages/5' });

    const unknown = new DiscordAPIError(
      { code: UNKNOWN_MESSAGE, message: 'Unknown Message' },
      UNKNOWN_MESSAGE,
      404,
      'PATCH',
      '/x',
      {},
    );
    const gone = fakeRest(async () => Promise.reject(unknown));
    expect(await createDiscordMessageDriver(gone.rest, target).edit(message, 'x')).toBe(false);

    const denied = new DiscordAPIError(
      { code: 50013, message: 'Missing Permissions' },
      50013,
      403,
      'PATCH',
      '/x',
      {},
    );
    const refused = fakeRest(async () => Promise.reject(denied));
    await expect(createDiscordMessageDriver(refused.rest, target).edit(message, 'x')).rejects.toBe(denied);
  });
});
