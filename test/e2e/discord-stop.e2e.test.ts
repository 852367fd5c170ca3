import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { STOPPED_MARK } from '../../src/turn/phases/complete-with-retry.ts';
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

let model: FakeOpenAI;
let discord: FakeDiscord;
let parley: RunningParley;

// Long enough that it is still streaming when the clicks come (about 12,000 characters, 8 every 20 ms).
const LONG = Array.from({ length: 2_000 }, (_, index) => `w${index}`).join(' ');

beforeAll(async () => {
  [model, discord] = await Promise.all([startFakeOpenAI({ chunkDelayMs: 20 }), startFakeDiscord()]);
  model.respondWith(() => LONG);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    MAX_REPLY_TOKENS: '4000',
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guildId,
    LOG_LEVEL: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), discord?.close()]);
});

/** The `custom_id`s of the buttons a message carries now. */
function buttonIds(message: FakeMessage | undefined): string[] {
  const rows = (message?.components ?? []) as Array<{ components?: Array<{ custom_id?: string }> }>;
  return rows.flatMap((row) => (row.components ?? []).map((button) => String(button.custom_id)));
}

/** The streaming answer in `channelId` once it carries its Stop button and holds `word`. */
function streamingWith(channelId: string, word: string) {
  return waitFor(`the streaming answer with its Stop button and "${word}"`, () => {
    const [message] = discord.messagesIn(channelId);
    const stop = buttonIds(message).find((id) => id.startsWith('parley_stop:'));
    return message && stop && message.content.includes(word) ? { message, stop } : undefined;
  });
}

describe('Stop on Discord (button on the streamed answer, real discord.js client, embedded mode)', () => {
  it('refuses a click by someone else; the asker’s click ends the model call, keeping the answer so far marked stopped', async () => {
    const channelId = discord.addTextChannel('stop-me');
    const question = discord.sendMessageCreate({
      channel_id: channelId,
      content: `${discord.mention} write forever`,
    });
    const { message, stop } = await streamingWith(channelId, 'w20 ');
    expect(stop).toBe(`parley_stop:${question.id}:${discord.alice.id}`);
    expect(message.components).toEqual([
      { type: 1, components: [{ type: 2, style: 4, label: 'Stop', custom_id: stop }] },
    ]);

    const bob = discord.user('bob');
    const refused = discord.sendComponentInteraction({ customId: stop, messageId: message.id, user: bob });
    await waitFor('the refusal', () => discord.interactionResponse(refused.id));
    expect(discord.interactionResponse(refused.id)).toMatchObject({
      type: 4,
      data: { flags: 64, content: `Only <@${discord.alice.id}> can stop this answer.` },
    });
    // Nothing stopped: the answer streams on past what it held at the refusal.
    const shown = message.content.split(' ').length;
    await streamingWith(channelId, `w${shown + 20} `);

    const click = discord.sendComponentInteraction({ customId: stop, messageId: message.id });
    await waitFor('the click acknowledged', () => discord.interactionResponse(click.id));
    expect(discord.interactionResponse(click.id)).toMatchObject({ type: 6 });
    const final = await waitFor('the stopped answer', () =>
      discord.messagesIn(channelId).find((posted) => posted.content.endsWith(STOPPED_MARK)),
    );
    expect(final.id).toBe(message.id);
    expect(final.content.startsWith('w0 w1 w2')).toBe(true);
    expect(final.content).not.toContain('w1999');
    expect(final.components).toEqual([]);
    expect(discord.messagesIn(channelId)).toHaveLength(1);
    // The stopped answer is what the conversation remembers, mark and all.
    const stored = await waitFor('the stored answer', async () => {
      const messages = await parley.store.load(`discord:${discord.guildId}:${channelId}`, {});
      return messages.find((entry) => entry.role === 'assistant');
    });
    expect(String(stored.content)).toContain(STOPPED_MARK);
  }, 60_000);

  it('lets a server admin stop an answer someone else asked for', async () => {
    const channelId = discord.addTextChannel('stop-admin');
    discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} write on` });
    const { message, stop } = await streamingWith(channelId, 'w20 ');
    const admin = discord.user('mod');
    const MANAGE_GUILD = 1n << 5n;
    const click = discord.sendComponentInteraction({
      customId: stop,
      messageId: message.id,
      user: admin,
      permissions: MANAGE_GUILD,
    });
    await waitFor('the click acknowledged', () => discord.interactionResponse(click.id));
    expect(discord.interactionResponse(click.id)).toMatchObject({ type: 6 });
    const final = await waitFor('the stopped answer', () =>
      discord.messagesIn(channelId).find((posted) => posted.content.endsWith(STOPPED_MARK)),
    );
    expect(final.content).not.toContain('w1999');
    expect(final.components).toEqual([]);
  }, 60_000);

  it('takes the button away when an answer ends by itself', async () => {
    model.respondWith(() => Array.from({ length: 300 }, (_, index) => `s${index}`).join(' '));
    const channelId = discord.addTextChannel('stop-unused');
    discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} write a bit` });
    const answer = await waitFor('the whole answer', () =>
      discord.messagesIn(channelId).find((posted) => posted.content.endsWith('s299')),
    );
    await waitFor('the button gone', () => answer.components.length === 0 || undefined);
    expect(answer.content).not.toContain(STOPPED_MARK);
    // It carried the button while it streamed: the post that started it; the last write took it away.
    const writes = discord.requests.filter(
      (request) =>
        (request.route === 'POST /channels/:channel/messages' && request.path.includes(channelId)) ||
        (request.route === 'PATCH /channels/:channel/messages/:message' && request.path.endsWith(answer.id)),
    );
    expect(JSON.stringify(writes[0]!.body)).toContain('parley_stop:');
    expect(writes.at(-1)!.body).toMatchObject({ components: [] });
  }, 60_000);
});
