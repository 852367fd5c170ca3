import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { type CapturedLogs, captureLogs } from '../helpers/captured-logs.ts';
import { startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const GUILD_MESSAGE_REACTIONS = 1 << 10;
const DIRECT_MESSAGE_REACTIONS = 1 << 13;
const REACTION_ROUTE = 'PUT /channels/:channel/messages/:message/reactions/:emoji/@me';

let model: FakeOpenAI;
let discord: FakeDiscord;
let logs: CapturedLogs;
let parley: RunningParley;

beforeAll(async () => {
  [model, discord] = await Promise.all([startFakeOpenAI(), startFakeDiscord()]);
  logs = captureLogs();
  // No REDIS_URL: the embedded mode, where the worker's answer refs and the ingress's reactions meet in memory.
  parley = await startTestParley(
    {
      OPENAI_BASE_URL: model.url,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_GUILD_ID: discord.guildId,
      TURN_MAX_ATTEMPTS: '1',
    },
    logs.logger('debug'),
  );
}, 60_000);

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), discord?.close()]);
});

afterEach(() => model.reset());

/** Asks in `channelId` and resolves with the bot's answer once it reads `text` (and, with `reacted`, has 👍👎). */
function ask(channelId: string, question: string, expected: (message: FakeMessage) => boolean) {
  const before = discord.messagesIn(channelId).length;
  discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} ${question}` });
  return waitFor(`the answer to "${question}"`, () =>
    discord
      .messagesIn(channelId)
      .slice(before)
      .find((message) => expected(message)),
  );
}

const withReactions = (message: FakeMessage) => message.reactions.length === 2;

/** What `/usage` in `channelId` says about feedback. */
async function usageFeedback(channelId: string): Promise<string> {
  const interaction = discord.sendInteraction({ name: 'usage', channel_id: channelId });
  const answer = await waitFor('the /usage answer', () => {
    const { original } = discord.interactionReplies(interaction.id);
    return original && original.content !== '' ? original : undefined;
  });
  return answer.content
    .split('\n')
    .filter((line) => line.includes('feedback'))
    .join('\n');
}

/** Log entries with message `msg` so far. */
const logged = (msg: string) => logs.entries().filter((entry) => entry.msg === msg);

/** Waits until `msg` has been logged `count` times in all. */
const loggedTimes = (msg: string, count: number) =>
  waitFor(`${count} × "${msg}"`, () => logged(msg).length >= count || undefined);

describe('feedback by reaction on Discord (real discord.js client, fake gateway, embedded mode)', () => {
  it('asks for the reaction intents and puts 👍 then 👎 under an answer, none under an error', async () => {
    const identify = await discord.waitForIdentify();
    expect(identify.intents & GUILD_MESSAGE_REACTIONS).toBe(GUILD_MESSAGE_REACTIONS);
    expect(identify.intents & DIRECT_MESSAGE_REACTIONS).toBe(DIRECT_MESSAGE_REACTIONS);

    const channelId = discord.addTextChannel('feedback-marks');
    const answer = await ask(channelId, 'hello', withReactions);
    expect(answer.content).toBe('Echo: Alice: hello');
    expect(answer.reactions).toEqual(['👍', '👎']);
    const puts = discord.requests.filter((request) => request.route === REACTION_ROUTE);
    expect(puts.filter((put) => put.path.includes(`/${answer.id}/`)).map((put) => put.path)).toEqual([
      `/channels/${channelId}/messages/${answer.id}/reactions/👍/@me`,
      `/channels/${channelId}/messages/${answer.id}/reactions/👎/@me`,
    ]);

    model.failNext(1, { status: 400, message: 'bad request' });
    const error = await ask(channelId, 'break', (message) => !message.content.startsWith('Echo'));
    // The next answer in the same conversation comes after the error's turn is done: its reactions would be in.
    await ask(channelId, 'again', withReactions);
    expect(error.reactions).toEqual([]);
    expect(discord.requests.some((put) => put.route === REACTION_ROUTE && put.path.includes(error.id))).toBe(
      false,
    );
  }, 30_000);

  it("records a person's 👍 against the answer's conversation and channel; a later 👎 replaces it; usage and metrics show it", async () => {
    const thread = discord.addThread('feedback thread');
    const answer = await ask(thread, 'tell me', withReactions);
    const bob = discord.user('bob');
    const carol = discord.user('carol');
    discord.sendReactionAdd({ messageId: answer.id, emoji: '👍', user: bob });
    await loggedTimes('feedback recorded', 1);
    // The thread is the conversation; its channel (#general) is the scope.
    expect(await usageFeedback(thread)).toBe('• feedback here: 👍 1 · 👎 0; in this channel: 👍 1 · 👎 0');
    expect(await usageFeedback(discord.channelId)).toBe(
      '• feedback here: 👍 0 · 👎 0; in this channel: 👍 1 · 👎 0',
    );

    discord.sendReactionAdd({ messageId: answer.id, emoji: '👎', user: bob });
    await loggedTimes('feedback recorded', 2);
    // Taking the 👎 back withdraws nothing (the ledger keeps one vote per person per answer).
    discord.sendReactionRemove({ messageId: answer.id, emoji: '👎', user: bob });
    // A skin tone counts as the emoji itself.
    discord.sendReactionAdd({ messageId: answer.id, emoji: '👍🏽', user: carol });
    await loggedTimes('feedback recorded', 3);
    expect(await usageFeedback(thread)).toBe('• feedback here: 👍 1 · 👎 1; in this channel: 👍 1 · 👎 1');

    const metrics = await (await fetch(`http://127.0.0.1:${parley.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/parley_feedback_total\{value="up"\} 2\b/);
    expect(metrics).toMatch(/parley_feedback_total\{value="down"\} 1\b/);
  }, 30_000);

  it("records nothing for the bot's own reactions, other bots, other emoji, or messages that are no answers; drops a malformed packet with a warning", async () => {
    const thread = discord.addThread('no votes');
    const answer = await ask(thread, 'first', withReactions);
    model.failNext(1, { status: 400, message: 'bad request' });
    const error = await ask(thread, 'break', (message) => !message.content.startsWith('Echo'));
    const question = discord.sendMessageCreate({ channel_id: thread, content: 'just people talking' });
    const recorded = logged('feedback recorded').length;
    const unknown = logged('reaction on a message that is no answer').length;

    discord.sendReactionAdd({ messageId: answer.id, emoji: '👍', user: discord.bot });
    discord.sendReactionAdd({
      messageId: answer.id,
      emoji: '👍',
      user: discord.user('helper', { bot: true }),
    });
    discord.sendReactionAdd({ messageId: answer.id, emoji: '🎉' });
    discord.sendReactionAdd({ messageId: question.id, emoji: '👍' });
    discord.sendReactionAdd({ messageId: error.id, emoji: '👎' });
    discord.dispatch('MESSAGE_REACTION_ADD', { user_id: 5, message_id: answer.id, emoji: null });
    await loggedTimes('reaction on a message that is no answer', unknown + 1);
    await loggedTimes('dropping a reaction that could not be read', 1);
    // The one vote that counts, sent last: once it is in, every reaction before it has been handled.
    discord.sendReactionAdd({ messageId: answer.id, emoji: '👎', user: discord.user('dave') });
    await loggedTimes('feedback recorded', recorded + 1);
    expect(logged('feedback recorded')).toHaveLength(recorded + 1);
    expect(await usageFeedback(thread)).toBe('• feedback here: 👍 0 · 👎 1; in this channel: 👍 1 · 👎 2');
    const warning = logged('dropping a reaction that could not be read')[0]!;
    expect(warning).toMatchObject({ level: 40, event: 'MESSAGE_REACTION_ADD' });
  }, 30_000);
});
