import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  COMMAND_FAILED,
  COMMAND_REFUSED,
  HELP_TEXT,
  RESET_DONE,
  RESET_FAILED,
} from '../../../adapters/discord/commands.ts';
import { createDiscordIngress } from '../../../adapters/discord/index.ts';
import type { Config } from '../../../src/app/config.ts';
import { PlatformError } from '../../../src/app/errors.ts';
import { createLogger } from '../../../src/app/logger.ts';
import type { PlatformIngress } from '../../../src/turn/platform-ingress.ts';
import type { Turn } from '../../../src/turn/turn.ts';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../../fakes/fake-discord-config.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';
import { captureLogs } from '../../helpers/captured-logs.ts';
import { waitFor } from '../../helpers/wait-for.ts';

interface Harness {
  fake: FakeDiscord;
  sink: RecordingSink;
  ingress: PlatformIngress;
  logs: string[];
}

async function startHarness(
  config: Partial<NonNullable<Config['discord']>> = {},
  deferAfterMs = 1_500,
): Promise<Harness> {
  const fake = await startFakeDiscord();
  const sink = createRecordingSink();
  const logs = captureLogs();
  const ingress = createDiscordIngress({
    config: fakeDiscordConfig(fake, { guildId: fake.guildId, ...config }),
    sink,
    logger: logs.logger('info'),
    deferAfterMs,
  });
  await ingress.start();
  return { fake, sink, ingress, logs: logs.lines };
}

async function stopHarness(harness: Harness | undefined): Promise<void> {
  await harness?.ingress.stop();
  await harness?.fake.close();
}

/**
 * Sends messages that must be ignored, then a DM that must not be; once that DM's turn arrives, any turn for
 * the ignored messages would have arrived before it (one gateway connection, handled in order).
 */
async function expectIgnored(harness: Harness, send: () => Array<{ id: string }>): Promise<void> {
  const ignored = send().map((payload) => payload.id);
  const sentinel = harness.fake.sendMessageCreate({ dm: true, content: 'sentinel' });
  await harness.sink.waitFor((turn) => turn.id === sentinel.id);
  expect(harness.sink.turns.filter((turn) => ignored.includes(turn.id))).toEqual([]);
}

const interactionCallback = (fake: FakeDiscord, id: string) =>
  fake.waitForRequest(
    (request) => request.route === 'POST /interactions/:id/:token/callback' && request.path.includes(id),
  );

describe('Discord ingress (discord.js on the fake gateway)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await stopHarness(harness);
  });
  beforeEach(() => {
    harness.sink.beforeEnqueue = undefined;
    harness.sink.drops = undefined;
  });

  it('identifies with only the intents it needs, over plain JSON', async () => {
    const identify = await harness.fake.waitForIdentify();
    const GUILDS = 1 << 0;
    const GUILD_MESSAGES = 1 << 9;
    const DIRECT_MESSAGES = 1 << 12;
    const MESSAGE_CONTENT = 1 << 15;
    expect(identify.intents).toBe(GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES);
    expect(identify.intents & MESSAGE_CONTENT).toBe(0);
    const [query] = harness.fake.connectionQueries();
    expect(query?.get('v')).toBe('10');
    expect(query?.get('encoding')).toBe('json');
    expect(query?.has('compress')).toBe(false);
  });

  it('registers every command globally (servers and DMs) and in the configured guild', () => {
    const names = ['reset', 'memory', 'persona', 'usage', 'export', 'forget', 'tools', 'model', 'help'];
    const global = harness.fake.commands.global as Array<Record<string, unknown>>;
    expect(global.map((command) => command.name)).toEqual(names);
    for (const command of global) expect(command).toMatchObject({ type: 1, contexts: [0, 1] });
    const inGuild = harness.fake.commands.guilds.get(harness.fake.guildId) as Array<Record<string, unknown>>;
    expect(inGuild.map((command) => command.name)).toEqual(names);
    const byName = new Map(global.map((command) => [command.name, command]));
    const STRING = 3;
    const BOOLEAN = 5;
    expect(byName.get('memory')?.options).toEqual([
      expect.objectContaining({
        name: 'action',
        type: STRING,
        required: false,
        choices: [{ name: 'clear', value: 'clear' }],
      }),
    ]);
    expect(byName.get('persona')?.options).toEqual([
      expect.objectContaining({ name: 'text', type: STRING, required: false, max_length: 4000 }),
    ]);
    expect(byName.get('forget')?.options).toEqual([
      expect.objectContaining({ name: 'confirm', type: BOOLEAN, required: false }),
    ]);
    for (const name of ['reset', 'usage', 'export', 'help'])
      expect(byName.get(name)?.options).toBeUndefined();
  });

  it('logs an invite URL with the bot scopes and permissions', () => {
    const line = harness.logs.find((entry) => entry.includes('inviteUrl'));
    expect(line).toBeDefined();
    const url = new URL(JSON.parse(line!).inviteUrl);
    expect(url.searchParams.get('client_id')).toBe(harness.fake.applicationId);
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(url.searchParams.get('permissions')).toBe('309237713920');
  });

  it('turns a DM into a turn of the DM session', async () => {
    const sent = harness.fake.sendMessageCreate({ dm: true, content: 'My name is Alice' });
    const turn = await harness.sink.waitFor((candidate) => candidate.id === sent.id);
    expect(turn).toEqual<Turn>({
      id: sent.id,
      sessionId: `discord:dm:${sent.channel_id}`,
      scopeId: `discord:dm:${sent.channel_id}`,
      kind: 'message',
      messageRef: sent.id,
      author: { id: harness.fake.alice.id, name: 'Alice', isPlatformAdmin: false },
      text: 'My name is Alice',
      target: { platform: 'discord', channelId: sent.channel_id },
      receivedAt: expect.any(Number),
    });
  });

  it('drops a first DM payload without channel_type, as discord.js does (why the fake sends it)', async () => {
    // Only a DM channel discord.js has not cached yet is affected: use someone new.
    const stranger = harness.fake.user('stranger');
    await expectIgnored(harness, () => [
      harness.fake.sendMessageCreate({ author: stranger, dm: true, content: 'lost', omitChannelType: true }),
    ]);
  });

  it('turns a guild mention into a turn of the channel session, replying to the message', async () => {
    const sent = harness.fake.sendMessageCreate({
      content: `${harness.fake.mention} what is a hash tag?`,
      nick: 'Ally',
    });
    const turn = await harness.sink.waitFor((candidate) => candidate.id === sent.id);
    expect(turn.sessionId).toBe(`discord:${harness.fake.guildId}:${harness.fake.channelId}`);
    expect(turn.text).toBe('what is a hash tag?');
    expect(turn.author.name).toBe('Ally');
    expect(turn.target).toEqual({
      platform: 'discord',
      channelId: harness.fake.channelId,
      workspaceId: harness.fake.guildId,
      replyToMessageId: sent.id,
    });
  });

  it('ignores guild messages that do not mention it', async () => {
    await expectIgnored(harness, () => [
      harness.fake.sendMessageCreate({ content: 'talking among ourselves' }),
    ]);
  });

  it('gives a thread its own session', async () => {
    const threadId = harness.fake.addThread('Questions');
    const sent = harness.fake.sendMessageCreate({
      channel_id: threadId,
      content: `${harness.fake.mention} hi`,
    });
    const turn = await harness.sink.waitFor((candidate) => candidate.id === sent.id);
    expect(turn.sessionId).toBe(`discord:${harness.fake.guildId}:${threadId}`);
    expect(turn.scopeId).toBe(`discord:${harness.fake.guildId}:${harness.fake.channelId}`);
    expect(turn.target).toMatchObject({ channelId: threadId, threadId, replyToMessageId: sent.id });
  });

  it('ignores other bots, webhooks, its own messages and system messages', async () => {
    const otherBot = harness.fake.user('helperbot', { bot: true });
    await expectIgnored(harness, () => [
      harness.fake.sendMessageCreate({ author: otherBot, content: `${harness.fake.mention} ping` }),
      harness.fake.sendMessageCreate({ author: otherBot, dm: true, content: 'ping' }),
      harness.fake.sendMessageCreate({ webhook_id: '1', content: `${harness.fake.mention} hook` }),
      harness.fake.sendMessageCreate({ author: harness.fake.bot, content: `${harness.fake.mention} echo` }),
      harness.fake.sendMessageCreate({ type: 7, content: `${harness.fake.mention}` }),
    ]);
  });

  it('answers /reset in a channel: a reset turn for the channel session and an ephemeral reply in time', async () => {
    const interaction = harness.fake.sendInteraction();
    const turn = await harness.sink.waitFor((candidate) => candidate.id === interaction.id);
    expect(turn).toMatchObject({
      kind: 'reset',
      sessionId: `discord:${harness.fake.guildId}:${harness.fake.channelId}`,
      text: '',
      author: { id: harness.fake.alice.id },
    });
    const callback = await interactionCallback(harness.fake, interaction.id);
    // The fake refuses answers later than Discord's 3 s with 404 Unknown interaction.
    expect(callback.status).toBe(204);
    expect(callback.body).toMatchObject({ type: 4, data: { content: RESET_DONE, flags: 64 } });
  });

  it('resets the DM or thread where /reset is used', async () => {
    const inDm = harness.fake.sendInteraction({ dm: true });
    const dmTurn = await harness.sink.waitFor((candidate) => candidate.id === inDm.id);
    expect(dmTurn.sessionId).toBe(`discord:dm:${inDm.payload.channel_id}`);
    const threadId = harness.fake.addThread('Reset me');
    const inThread = harness.fake.sendInteraction({ channel_id: threadId });
    const threadTurn = await harness.sink.waitFor((candidate) => candidate.id === inThread.id);
    expect(threadTurn.sessionId).toBe(`discord:${harness.fake.guildId}:${threadId}`);
    expect((await interactionCallback(harness.fake, inDm.id)).status).toBe(204);
    expect((await interactionCallback(harness.fake, inThread.id)).status).toBe(204);
  });

  it('says so, only to the invoker, when the reset cannot be queued', async () => {
    harness.sink.beforeEnqueue = async () => {
      throw new Error('queue down');
    };
    const interaction = harness.fake.sendInteraction();
    const callback = await interactionCallback(harness.fake, interaction.id);
    expect(callback.body).toMatchObject({ type: 4, data: { content: RESET_FAILED, flags: 64 } });
  });

  it('answers an unknown command with ephemeral help and queues nothing', async () => {
    const interaction = harness.fake.sendInteraction({ name: 'weather' });
    const callback = await interactionCallback(harness.fake, interaction.id);
    expect(callback.body).toMatchObject({ type: 4, data: { content: HELP_TEXT, flags: 64 } });
    expect(harness.sink.turns.some((turn) => turn.id === interaction.id)).toBe(false);
  });

  it.each([
    { name: 'memory', options: undefined, args: '' },
    { name: 'memory', options: [{ name: 'action', type: 3, value: 'clear' }], args: 'clear' },
    {
      name: 'persona',
      options: [{ name: 'text', type: 3, value: 'You are a pirate.' }],
      args: 'You are a pirate.',
    },
    { name: 'persona', options: [{ name: 'text', type: 3, value: 'reset' }], args: 'reset' },
    { name: 'persona', options: undefined, args: '' },
    { name: 'usage', options: undefined, args: '' },
    { name: 'export', options: undefined, args: '' },
    { name: 'forget', options: undefined, args: '' },
    { name: 'forget', options: [{ name: 'confirm', type: 5, value: true }], args: 'confirm' },
    { name: 'help', options: undefined, args: '' },
  ])(
    'defers /$name $args at once (ephemeral) and queues a command turn with the interaction',
    async ({ name, options, args }) => {
      let deferredBeforeQueued: boolean | undefined;
      harness.sink.beforeEnqueue = async (turn) => {
        deferredBeforeQueued = harness.fake.requests.some(
          (request) =>
            request.route === 'POST /interactions/:id/:token/callback' && request.path.includes(turn.id),
        );
      };
      const interaction = harness.fake.sendInteraction({ name, ...(options ? { options } : {}) });
      const turn = await harness.sink.waitFor((candidate) => candidate.id === interaction.id);
      const session = `discord:${harness.fake.guildId}:${harness.fake.channelId}`;
      expect(turn).toEqual<Turn>({
        id: interaction.id,
        sessionId: session,
        scopeId: session,
        kind: 'command',
        command: { name: name as 'help', args },
        author: { id: harness.fake.alice.id, name: 'Alice', isPlatformAdmin: false },
        text: '',
        target: {
          platform: 'discord',
          channelId: harness.fake.channelId,
          workspaceId: harness.fake.guildId,
          invoker: {
            userId: harness.fake.alice.id,
            applicationId: harness.fake.applicationId,
            interactionToken: interaction.token,
          },
        },
        receivedAt: expect.any(Number),
      });
      const callback = await interactionCallback(harness.fake, interaction.id);
      expect(callback.status).toBe(204);
      // Deferred ("thinking…", only the invoker sees it); the worker edits the answer in.
      expect(callback.body).toEqual({ type: 5, data: { flags: 64 } });
      // Deferred before queueing, so the worker never edits a reply that does not exist yet.
      expect(deferredBeforeQueued).toBe(true);
    },
  );

  it('runs a command in a thread on the thread session, scoped to the channel it lives in', async () => {
    const threadId = harness.fake.addThread('Commands in a thread');
    const interaction = harness.fake.sendInteraction({ name: 'usage', channel_id: threadId });
    const turn = await harness.sink.waitFor((candidate) => candidate.id === interaction.id);
    expect(turn.sessionId).toBe(`discord:${harness.fake.guildId}:${threadId}`);
    expect(turn.scopeId).toBe(`discord:${harness.fake.guildId}:${harness.fake.channelId}`);
    expect(turn.target).toMatchObject({ channelId: threadId, threadId });
  });

  it('runs a command in a DM on the DM session', async () => {
    const interaction = harness.fake.sendInteraction({ name: 'export', dm: true });
    const turn = await harness.sink.waitFor((candidate) => candidate.id === interaction.id);
    expect(turn.sessionId).toBe(`discord:dm:${interaction.payload.channel_id}`);
    expect(turn.scopeId).toBe(turn.sessionId);
    expect(turn.target.workspaceId).toBeUndefined();
    expect(turn.target.invoker?.interactionToken).toBe(interaction.token);
  });

  it('edits the deferred reply with an error, only for the invoker, when the command cannot be queued', async () => {
    harness.sink.beforeEnqueue = async () => {
      throw new Error('queue down');
    };
    const interaction = harness.fake.sendInteraction({ name: 'usage' });
    const edit = await harness.fake.waitForRequest(
      (request) =>
        request.route === 'PATCH /webhooks/:app/:token/messages/@original' &&
        request.path.includes(interaction.token),
    );
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ content: COMMAND_FAILED });
    expect(harness.fake.interactionReplies(interaction.id).original).toMatchObject({
      content: COMMAND_FAILED,
      flags: 64,
    });
    expect(harness.sink.turns.some((turn) => turn.id === interaction.id)).toBe(false);
  });

  it('tells the invoker, instead of leaving them waiting, when the command is not queued (access rules)', async () => {
    harness.sink.drops = (turn) => turn.kind === 'command';
    const interaction = harness.fake.sendInteraction({ name: 'usage' });
    const edit = await harness.fake.waitForRequest(
      (request) =>
        request.route === 'PATCH /webhooks/:app/:token/messages/@original' &&
        request.path.includes(interaction.token),
    );
    expect(edit.body).toMatchObject({ content: COMMAND_REFUSED });
    expect(harness.fake.interactionReplies(interaction.id).original).toMatchObject({
      content: COMMAND_REFUSED,
      flags: 64,
    });
  });

  it('queues nothing when the interaction can no longer be deferred', async () => {
    const interaction = harness.fake.sendInteraction({
      name: 'forget',
      options: [{ name: 'confirm', type: 5, value: true }],
    });
    // Acknowledging it now fails as a lapsed interaction does (404 Unknown interaction).
    harness.fake.expireInteraction(interaction.id, 'unknown');
    const callback = await interactionCallback(harness.fake, interaction.id);
    expect(callback.status).toBe(404);
    await expectIgnored(harness, () => []);
    expect(harness.sink.turns.some((turn) => turn.id === interaction.id)).toBe(false);
  });
});

describe('Discord ingress with a slow queue', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({}, 50);
  });
  afterAll(async () => {
    await stopHarness(harness);
  });

  it('defers /reset when queueing is slow, then edits in the answer', async () => {
    // Hold the enqueue until Discord has seen the deferral.
    harness.sink.beforeEnqueue = async () => {
      await harness.fake.waitForRequest(
        (request) => request.route === 'POST /interactions/:id/:token/callback',
      );
    };
    const interaction = harness.fake.sendInteraction();
    const deferral = await interactionCallback(harness.fake, interaction.id);
    expect(deferral.status).toBe(204);
    expect(deferral.body).toMatchObject({ type: 5, data: { flags: 64 } });
    const edit = await harness.fake.waitForRequest(
      (request) => request.route === 'PATCH /webhooks/:app/:token/messages/@original',
    );
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ content: RESET_DONE });
    expect(harness.sink.turns.find((turn) => turn.id === interaction.id)?.kind).toBe('reset');
  });
});

describe('Discord ingress answering in threads (replyInThread)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ replyInThread: true });
  });
  afterAll(async () => {
    await stopHarness(harness);
  });

  it('starts a thread on a channel mention and makes the thread the session', async () => {
    const sent = harness.fake.sendMessageCreate({
      content: `${harness.fake.mention} How do I scale workers?`,
    });
    const turn = await harness.sink.waitFor((candidate) => candidate.id === sent.id);
    const created = harness.fake.requests.filter(
      (request) => request.route === 'POST /channels/:channel/messages/:message/threads',
    );
    expect(created).toHaveLength(1);
    expect(created[0]!.path).toBe(`/channels/${harness.fake.channelId}/messages/${sent.id}/threads`);
    expect(created[0]!.body).toMatchObject({ name: 'How do I scale workers?' });
    // A thread started on a message carries the message's id.
    expect(turn.sessionId).toBe(`discord:${harness.fake.guildId}:${sent.id}`);
    expect(turn.target).toEqual({
      platform: 'discord',
      channelId: sent.id,
      threadId: sent.id,
      workspaceId: harness.fake.guildId,
    });

    // Talking on inside that thread stays in the same session, without another thread.
    const followUp = harness.fake.sendMessageCreate({
      channel_id: sent.id,
      content: `${harness.fake.mention} and then?`,
    });
    const next = await harness.sink.waitFor((candidate) => candidate.id === followUp.id);
    expect(next.sessionId).toBe(turn.sessionId);
    expect(next.target.channelId).toBe(sent.id);
    expect(
      harness.fake.requests.filter(
        (request) => request.route === 'POST /channels/:channel/messages/:message/threads',
      ),
    ).toHaveLength(1);
  });

  it('finds the thread again when the same message is delivered twice', async () => {
    const sent = harness.fake.sendMessageCreate({ content: `${harness.fake.mention} once` });
    await harness.sink.waitFor((candidate) => candidate.id === sent.id);
    harness.fake.sendMessageCreate({ id: sent.id, content: `${harness.fake.mention} once` });
    await waitFor(
      'the second delivery',
      () => harness.sink.turns.filter((turn) => turn.id === sent.id).length >= 2,
      { timeoutMs: 10_000 },
    );
    const both = harness.sink.turns.filter((turn) => turn.id === sent.id);
    expect(both).toHaveLength(2);
    expect(both[1]!.sessionId).toBe(both[0]!.sessionId);
  });

  it('leaves DMs alone', async () => {
    const sent = harness.fake.sendMessageCreate({ dm: true, content: 'hello' });
    const turn = await harness.sink.waitFor((candidate) => candidate.id === sent.id);
    expect(turn.sessionId).toBe(`discord:dm:${sent.channel_id}`);
  });
});

describe('Discord ingress accepting other bots (ignoreBots=false), no guild configured', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ignoreBots: false, guildId: undefined });
  });
  afterAll(async () => {
    await stopHarness(harness);
  });

  it('answers other bots but never itself', async () => {
    const otherBot = harness.fake.user('helperbot', { bot: true });
    const fromBot = harness.fake.sendMessageCreate({
      author: otherBot,
      content: `${harness.fake.mention} ping`,
    });
    const turn = await harness.sink.waitFor((candidate) => candidate.id === fromBot.id);
    expect(turn.author.name).toBe('helperbot');
    await expectIgnored(harness, () => [
      harness.fake.sendMessageCreate({ author: harness.fake.bot, content: `${harness.fake.mention} echo` }),
    ]);
  });

  it('registers only the global commands', () => {
    expect(harness.fake.commands.global).toHaveLength(9);
    expect(harness.fake.commands.guilds.size).toBe(0);
  });
});

describe('Discord ingress with a wrong token', () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await startFakeDiscord();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('fails to start with a non-retryable PlatformError naming DISCORD_TOKEN', async () => {
    const ingress = createDiscordIngress({
      config: fakeDiscordConfig(fake, { token: 'not-the-token' }),
      sink: createRecordingSink(),
      logger: createLogger('silent'),
    });
    const failure = await ingress.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PlatformError);
    expect((failure as PlatformError).isRetryable).toBe(false);
    expect((failure as PlatformError).message).toContain('DISCORD_TOKEN');
    expect(fake.identifies).toHaveLength(0);
  });
});
