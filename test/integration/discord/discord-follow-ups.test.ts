import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordIngress } from '../../../adapters/discord/index.ts';
import type { Config } from '../../../src/app/config.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { FollowedConversations, PlatformIngress } from '../../../src/turn/platform-ingress.ts';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../../fakes/fake-discord-config.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';

const MESSAGE_CONTENT = 1 << 15;

/** Follow marks in memory, recording every lookup. */
function memoryFollowed(): FollowedConversations & { marks: Set<string>; lookups: string[] } {
  const marks = new Set<string>();
  const lookups: string[] = [];
  return {
    marks,
    lookups,
    follow: async (sessionId) => void marks.add(sessionId),
    isFollowed: async (sessionId) => {
      lookups.push(sessionId);
      return marks.has(sessionId);
    },
  };
}

interface Harness {
  fake: FakeDiscord;
  sink: RecordingSink;
  followed: ReturnType<typeof memoryFollowed>;
  ingress: PlatformIngress;
}

async function startHarness(config: Partial<NonNullable<Config['discord']>>): Promise<Harness> {
  const fake = await startFakeDiscord();
  const sink = createRecordingSink();
  const followed = memoryFollowed();
  const ingress = createDiscordIngress({
    config: fakeDiscordConfig(fake, config),
    sink,
    logger: silentLogger,
    followed,
  });
  await ingress.start();
  return { fake, sink, followed, ingress };
}

/** Sends what must be ignored, then a DM; once the DM's turn is in, a turn for the rest would be too. */
async function expectIgnored(harness: Harness, send: () => Array<{ id: string }>): Promise<void> {
  const ignored = send().map((payload) => payload.id);
  const sentinel = harness.fake.sendMessageCreate({ dm: true, content: 'sentinel' });
  await harness.sink.waitFor((turn) => turn.id === sentinel.id);
  expect(harness.sink.turns.filter((turn) => ignored.some((id) => turn.id.startsWith(id)))).toEqual([]);
}

/** The bot's answer in a channel, posted over REST as a worker would; returns its id. */
async function botMessage(fake: FakeDiscord, channelId: string): Promise<string> {
  const response = await fetch(`${fake.apiUrl}/v10/channels/${channelId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ content: 'An answer.' }),
  });
  return ((await response.json()) as { id: string }).id;
}

describe('Discord follow-ups with the Message Content intent', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ messageContent: true, guildId: undefined });
  });
  afterAll(async () => {
    await harness?.ingress.stop();
    await harness?.fake.close();
  });

  it('identifies with the privileged Message Content intent', async () => {
    const identify = await harness.fake.waitForIdentify();
    expect(identify.intents & MESSAGE_CONTENT).toBe(MESSAGE_CONTENT);
  });

  it('answers a reply to the bot without a mention, ping or not, in the channel session', async () => {
    const { fake, sink } = harness;
    const answer = await botMessage(fake, fake.channelId);
    const quiet = fake.sendMessageCreate({ content: 'and why is that?', replyTo: answer });
    const pinged = fake.sendMessageCreate({ content: 'really?', replyTo: answer, pingReply: true });
    for (const sent of [quiet, pinged]) {
      const turn = await sink.waitFor((candidate) => candidate.id === sent.id);
      expect(turn).toMatchObject({
        kind: 'message',
        sessionId: `discord:${fake.guildId}:${fake.channelId}`,
        messageRef: sent.id,
        text: sent.content,
        target: { channelId: fake.channelId, replyToMessageId: sent.id },
      });
    }
  });

  it('looks the replied-to message up when the gateway left it out', async () => {
    const { fake, sink } = harness;
    const answer = await botMessage(fake, fake.channelId);
    const sent = fake.sendMessageCreate({ content: 'go on', replyTo: answer, omitReferencedMessage: true });
    await sink.waitFor((turn) => turn.id === sent.id);
    expect(fake.requests.some((request) => request.path.endsWith(`/messages/${answer}`))).toBe(true);
  });

  it('ignores replies to other people and chatter in channels and unfollowed threads', async () => {
    const { fake } = harness;
    const thread = fake.addThread('not followed');
    await expectIgnored(harness, () => {
      const bob = fake.sendMessageCreate({ author: fake.user('bob'), content: 'hi all' });
      return [
        bob,
        fake.sendMessageCreate({ content: 'hi bob', replyTo: bob.id }),
        fake.sendMessageCreate({ channel_id: thread, content: 'anyone?' }),
      ];
    });
  });

  it('follows a thread it is mentioned in, then answers follow-ups and listens to talk addressed to others', async () => {
    const { fake, sink, followed } = harness;
    const thread = fake.addThread('followed');
    const session = `discord:${fake.guildId}:${thread}`;
    const mention = fake.sendMessageCreate({ channel_id: thread, content: `${fake.mention} help me` });
    await sink.waitFor((turn) => turn.id === mention.id);
    expect(followed.marks.has(session)).toBe(true);

    const bob = fake.user('bob.thread');
    const followUp = fake.sendMessageCreate({ channel_id: thread, content: 'thanks, and then?' });
    const toBob = fake.sendMessageCreate({ channel_id: thread, content: `<@${bob.id}> see above` });
    const replyToBob = fake.sendMessageCreate({
      channel_id: thread,
      content: 'agreed',
      replyTo: followUp.id,
    });
    const kinds = await Promise.all(
      [followUp, toBob, replyToBob].map(async (sent) => (await sink.waitFor((t) => t.id === sent.id)).kind),
    );
    // The reply to one's own message is still to the room; a reply is "to others" only for another author.
    expect(kinds).toEqual(['message', 'listen', 'message']);
    const bobsReply = fake.sendMessageCreate({
      author: bob,
      channel_id: thread,
      content: 'ok',
      replyTo: followUp.id,
    });
    expect((await sink.waitFor((turn) => turn.id === bobsReply.id)).kind).toBe('listen');
  });

  it('turns edits and deletes in DMs and followed threads into edit and delete turns, once each', async () => {
    const { fake, sink, followed } = harness;
    const thread = fake.addThread('edits');
    followed.marks.add(`discord:${fake.guildId}:${thread}`);
    const inDm = fake.sendMessageCreate({ dm: true, content: 'My name is Alise' });
    const inThread = fake.sendMessageCreate({ channel_id: thread, content: 'typo' });
    await sink.waitFor((turn) => turn.id === inThread.id);
    const edit = fake.sendMessageUpdate({ id: inDm.id, content: 'My name is Alice' });
    fake.dispatch('MESSAGE_UPDATE', edit); // redelivered
    fake.sendMessageUpdate({ id: inThread.id, content: 'fixed' });
    fake.sendMessageDelete(inThread.id);
    const dmEdit = await sink.waitFor((turn) => turn.kind === 'edit' && turn.targetRef === inDm.id);
    expect(dmEdit).toMatchObject({
      sessionId: `discord:dm:${inDm.channel_id}`,
      text: 'My name is Alice',
      messageRef: inDm.id,
      author: { id: fake.alice.id, name: 'Alice' },
    });
    const deleted = await sink.waitFor((turn) => turn.kind === 'delete');
    expect(deleted).toMatchObject({ sessionId: `discord:${fake.guildId}:${thread}`, targetRef: inThread.id });
    const edits = sink.turns.filter((turn) => turn.kind === 'edit');
    expect(edits.map((turn) => [turn.targetRef, turn.text])).toEqual([
      [inDm.id, 'My name is Alice'],
      [inDm.id, 'My name is Alice'],
      [inThread.id, 'fixed'],
    ]);
    // The redelivery has the same id: the queue keeps one.
    expect(edits[0]!.id).toBe(edits[1]!.id);
  });

  it('ignores edits by bots, updates that are no edits, and changes in conversations it does not follow', async () => {
    const { fake } = harness;
    const other = fake.user('otherbot', { bot: true });
    await expectIgnored(harness, () => {
      const chatter = fake.sendMessageCreate({ content: 'in the channel' });
      const botDm = fake.sendMessageCreate({ author: other, dm: true, content: 'beep' });
      const unfurl = fake.sendMessageCreate({ dm: true, content: 'https://example.com' });
      fake.sendMessageUpdate({ id: chatter.id, content: 'edited in the channel' });
      fake.sendMessageUpdate({ id: botDm.id, content: 'boop' });
      fake.dispatch('MESSAGE_UPDATE', { ...unfurl, embeds: [{ type: 'link', url: 'https://example.com' }] });
      fake.sendMessageDelete(chatter.id);
      return [chatter, botDm, { id: `${unfurl.id}-edit` }];
    });
  });
});

describe('Discord follow-ups without the Message Content intent', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ replyInThread: true });
  });
  afterAll(async () => {
    await harness?.ingress.stop();
    await harness?.fake.close();
  });

  it('identifies without it, follows the threads it starts, and answers only mentions, replies and DMs there', async () => {
    const { fake, sink, followed } = harness;
    expect((await fake.waitForIdentify()).intents & MESSAGE_CONTENT).toBe(0);
    const question = fake.sendMessageCreate({ content: `${fake.mention} what is a hash slot?` });
    const turn = await sink.waitFor((candidate) => candidate.id === question.id);
    expect(turn.sessionId).toBe(`discord:${fake.guildId}:${question.id}`);
    expect(followed.marks.has(turn.sessionId)).toBe(true);
    const lookups = followed.lookups.length;
    // Discord sends a follow-up without a mention with empty content when the intent is off.
    await expectIgnored(harness, () => [fake.sendMessageCreate({ channel_id: question.id, content: '' })]);
    expect(followed.lookups.length).toBe(lookups);
    const mention = fake.sendMessageCreate({ channel_id: question.id, content: `${fake.mention} and then?` });
    expect((await sink.waitFor((candidate) => candidate.id === mention.id)).kind).toBe('message');
  });

  it('finds an edited question in the thread it started on it', async () => {
    const { fake, sink } = harness;
    const question = fake.sendMessageCreate({ content: `${fake.mention} what is a hash slott?` });
    await sink.waitFor((candidate) => candidate.id === question.id);
    fake.sendMessageUpdate({ id: question.id, content: `${fake.mention} what is a hash slot?` });
    const edit = await sink.waitFor((candidate) => candidate.kind === 'edit');
    expect(edit).toMatchObject({
      sessionId: `discord:${fake.guildId}:${question.id}`,
      scopeId: `discord:${fake.guildId}:${fake.channelId}`,
      targetRef: question.id,
      text: 'what is a hash slot?',
      target: { channelId: question.id, threadId: question.id },
    });
  });
});
