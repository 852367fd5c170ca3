import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../src/app/errors.ts';

import type { ReplyTarget } from '../../../src/turn/turn.ts';

import { useFakeDiscordReplyChannel } from '../../helpers/use-fake-discord-reply-channel.ts';

const WEBHOOK_EDIT = 'PATCH /webhooks/:app/:token/messages/@original';
const WEBHOOK_POST = 'POST /webhooks/:app/:token';

describe('Discord command answers (respond), against the fake API', () => {
  const discord = useFakeDiscordReplyChannel({ rest: { retries: 1 } });

  /**
   * A slash command used in a fresh channel and deferred the way the ingress does (ephemeral), and the
   * target the worker gets for it.
   */
  async function deferredCommand(name: string) {
    const channelId = discord.fake.addTextChannel(`cmd-${name}`);
    const interaction = discord.fake.sendInteraction({ name, channel_id: channelId });
    const response = await fetch(
      `${discord.fake.apiUrl}/v10/interactions/${interaction.id}/${interaction.token}/callback`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 5, data: { flags: 64 } }),
      },
    );
    expect(response.status).toBe(204);
    const target: ReplyTarget = {
      platform: 'discord',
      channelId,
      workspaceId: discord.fake.guildId,
      invoker: {
        userId: discord.fake.alice.id,
        applicationId: discord.fake.applicationId,
        interactionToken: interaction.token,
      },
    };
    const webhookCalls = () =>
      discord.fake.requests.filter(
        (request) => request.path.startsWith('/webhooks/') && request.path.includes(interaction.token),
      );
    return { channelId, interaction, target, webhookCalls };
  }

  it('edits the deferred ephemeral reply with the answer, mentioning nobody, without the bot token', async () => {
    const { channelId, interaction, target, webhookCalls } = await deferredCommand('persona');
    await discord.channel.respond!(target, {
      text: "This channel's persona:\n> You are a pirate. @everyone",
    });

    const { original, followUps } = discord.fake.interactionReplies(interaction.id);
    expect(original).toMatchObject({
      content: "This channel's persona:\n> You are a pirate. @everyone",
      flags: 64,
      allowedMentions: { parse: [] },
      files: [],
    });
    expect(followUps).toEqual([]);
    const calls = webhookCalls().filter((request) => request.route === WEBHOOK_EDIT);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(200);
    // The interaction token authenticates webhook calls; the bot token is not sent along.
    expect(calls[0]!.authorized).toBe(false);
    // Nothing in the channel itself.
    expect(discord.fake.messagesIn(channelId)).toEqual([]);
  });

  it('attaches a file to the answer as multipart files[0]', async () => {
    const { interaction, target, webhookCalls } = await deferredCommand('export');
    const content = `${JSON.stringify({ format: 'parley.session.v1', messages: [{ role: 'user', content: 'héllo' }] }, null, 2)}\n`;
    await discord.channel.respond!(target, {
      text: 'Here is this conversation (1 messages) as JSON.',
      file: { name: 'parley-discord_1_2.json', content },
    });

    const [edit] = webhookCalls().filter((request) => request.route === WEBHOOK_EDIT);
    expect(edit?.status).toBe(200);
    expect(edit?.files).toEqual([
      { field: 'files[0]', name: 'parley-discord_1_2.json', contentType: 'application/json', content },
    ]);
    expect(edit?.body).toMatchObject({
      content: 'Here is this conversation (1 messages) as JSON.',
      attachments: [{ id: '0', filename: 'parley-discord_1_2.json' }],
    });
    const { original } = discord.fake.interactionReplies(interaction.id);
    expect(original?.content).toBe('Here is this conversation (1 messages) as JSON.');
    expect(original?.files.map((file) => [file.name, file.content])).toEqual([
      ['parley-discord_1_2.json', content],
    ]);
    expect(JSON.parse(original!.files[0]!.content).messages[0].content).toBe('héllo');
  });

  it('splits a long answer: the first 2,000 characters in the reply, the rest as ephemeral follow-ups', async () => {
    const { interaction, target, webhookCalls } = await deferredCommand('memory');
    const lines = Array.from({ length: 90 }, (_, index) => `> line ${index} ${'of the summary '.repeat(3)}`);
    const text = `Older messages are summarized as:\n${lines.join('\n')}`;
    expect(text.length).toBeGreaterThan(4_000);
    await discord.channel.respond!(target, { text });

    const { original, followUps } = discord.fake.interactionReplies(interaction.id);
    expect(followUps.length).toBeGreaterThanOrEqual(2);
    const all = [original!, ...followUps];
    for (const message of all) {
      expect(message.content.length).toBeLessThanOrEqual(2000);
      expect(message.flags).toBe(64);
      expect(message.allowedMentions).toEqual({ parse: [] });
    }
    expect(all.map((message) => message.content).join('\n')).toBe(text);
    const posts = webhookCalls().filter((request) => request.route === WEBHOOK_POST);
    expect(posts).toHaveLength(followUps.length);
    for (const post of posts) {
      expect(post.status).toBe(200);
      expect(post.authorized).toBe(false);
    }
  });

  it.each([
    ['after 15 minutes (401 Invalid Webhook Token)', 'expired' as const],
    ['when Discord no longer knows it (404 Unknown Webhook)', 'unknown' as const],
  ])('answers in the channel, mentioning the invoker, when the token is gone %s', async (_, how) => {
    const { channelId, interaction, target, webhookCalls } = await deferredCommand('export');
    discord.fake.expireInteraction(interaction.id, how);
    await discord.channel.respond!(target, {
      text: 'Here is this conversation (0 messages) as JSON.',
      file: { name: 'export.json', content: '{"messages":[]}\n' },
    });

    expect(webhookCalls().map((request) => request.status)).toEqual([how === 'expired' ? 401 : 404]);
    const [message, ...others] = discord.fake.messagesIn(channelId);
    expect(others).toEqual([]);
    expect(message?.content).toBe(
      `<@${discord.fake.alice.id}> Here is this conversation (0 messages) as JSON.`,
    );
    // Only the invoker is pinged, whatever the text contains.
    expect(message?.allowedMentions).toEqual({ parse: [], users: [discord.fake.alice.id] });
    expect(message?.files.map((file) => [file.name, file.content])).toEqual([
      ['export.json', '{"messages":[]}\n'],
    ]);
  });

  it('keeps every channel message within 2,000 characters, mention included', async () => {
    const { channelId, interaction, target } = await deferredCommand('usage');
    discord.fake.expireInteraction(interaction.id);
    const text = 'x'.repeat(1_995);
    await discord.channel.respond!(target, { text });
    const messages = discord.fake.messagesIn(channelId);
    expect(messages.length).toBe(2);
    for (const message of messages) expect(message.content.length).toBeLessThanOrEqual(2000);
    expect(messages.map((message) => message.content).join('')).toBe(`<@${discord.fake.alice.id}> ${text}`);
  });

  it('posts in the channel when there is no interaction token', async () => {
    const channelId = discord.fake.addTextChannel('cmd-no-token');
    await discord.channel.respond!(
      { platform: 'discord', channelId, invoker: { userId: discord.fake.alice.id } },
      { text: 'Done.' },
    );
    await discord.channel.respond!({ platform: 'discord', channelId }, { text: 'Nobody to mention.' });
    const messages = discord.fake.messagesIn(channelId);
    expect(messages.map((message) => message.content)).toEqual([
      `<@${discord.fake.alice.id}> Done.`,
      'Nobody to mention.',
    ]);
    expect(messages[1]!.allowedMentions).toEqual({ parse: [] });
  });

  it('fails with a retryable PlatformError when Discord keeps failing, and never leaks the token', async () => {
    const { interaction, target, channelId } = await deferredCommand('help');
    discord.fake.failNext(WEBHOOK_EDIT, 2, { status: 503 });
    const failure = await discord.channel.respond!(target, { text: 'Commands…' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PlatformError);
    expect((failure as PlatformError).isRetryable).toBe(true);
    expect((failure as PlatformError).message).not.toContain(interaction.token);
    expect(discord.fake.messagesIn(channelId)).toEqual([]);
  });
});
