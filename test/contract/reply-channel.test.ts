import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createConsoleReplyChannel } from '../../adapters/console/console-reply-channel.ts';
import { createDiscordReplyChannel } from '../../adapters/discord/index.ts';
import { SLACK_MESSAGE_LIMIT } from '../../adapters/slack/index.ts';
import { silentLogger } from '../../src/app/logger.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { snowflake, startFakeDiscord } from '../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../fakes/fake-discord-config.ts';
import { startFakeSlackApi } from '../fakes/fake-slack-api.ts';
import { createTestSlackReplyChannel } from '../helpers/test-slack-reply-channel.ts';
import {
  type ReplyChannelHarness,
  type ReplyChannelHarnessFactory,
  replyChannelContract,
  type VisibleMessage,
} from './reply-channel.contract.ts';

/** Streaming edits a little apart, as in production, but in tens of milliseconds rather than a second. */
const EDIT_INTERVAL_MS = 50;
/** Discord refuses longer message content; the fake enforces it too. */
const DISCORD_MESSAGE_LIMIT = 2_000;

const slack: ReplyChannelHarnessFactory = {
  capabilities: {
    edits: true,
    messageLimit: SLACK_MESSAGE_LIMIT,
    emptyReplyText: '_(no answer)_',
    rateLimits: true,
  },
  async start() {
    const api = await startFakeSlackApi();
    const channel = createTestSlackReplyChannel({
      apiUrl: api.url,
      config: { botToken: 'xoxb-contract' },
      retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 },
      editIntervalMs: EDIT_INTERVAL_MS,
    });
    let threads = 0;
    return {
      channel,
      newConversation() {
        threads += 1;
        const threadId = `1700000000.${String(threads).padStart(6, '0')}`;
        return { platform: 'slack', channelId: 'C1', threadId, workspaceId: 'T1' };
      },
      visible: (target) =>
        api.messagesIn(target.channelId, target.threadId).map((message) => ({
          id: message.ts,
          text: message.text,
        })),
      rateLimitNextPost() {
        api.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
        return {
          retryAfterMs: 1_000,
          served: () => api.callsTo('chat.postMessage').filter((call) => call.status === 429).length,
        };
      },
      dispose: () => api.close(),
    };
  },
};

const discord: ReplyChannelHarnessFactory = {
  capabilities: {
    edits: true,
    messageLimit: DISCORD_MESSAGE_LIMIT,
    emptyReplyText: '_(no reply)_',
    rateLimits: true,
  },
  async start() {
    const fake = await startFakeDiscord();
    const channel = createDiscordReplyChannel({
      config: fakeDiscordConfig(fake),
      logger: silentLogger,
      timings: { editIntervalMs: EDIT_INTERVAL_MS },
      rest: { retries: 1 },
    });
    let channels = 0;
    return {
      channel,
      newConversation() {
        channels += 1;
        return {
          platform: 'discord',
          channelId: fake.addTextChannel(`contract-${channels}`),
          workspaceId: fake.guildId,
          replyToMessageId: snowflake(),
        };
      },
      visible: (target) =>
        fake.messagesIn(target.channelId).map((message) => ({ id: message.id, text: message.content })),
      rateLimitNextPost() {
        fake.failNext('POST /channels/:channel/messages', 1, { status: 429, retryAfter: 0.2 });
        return {
          retryAfterMs: 200,
          served: () => fake.requests.filter((request) => request.status === 429).length,
        };
      },
      dispose: () => fake.close(),
    };
  },
};

/** The console's replies as printed: each starts at a `Bot: ` prompt and ends with its newline. */
function consoleReplies(transcript: string): VisibleMessage[] {
  return transcript
    .split('Bot: ')
    .slice(1)
    .map((text, index) => ({ id: String(index), text: text.endsWith('\n') ? text.slice(0, -1) : text }));
}

/** A console channel printing into a string: the terminal as the user reads it. */
function capturedConsole() {
  let transcript = '';
  const output = new Writable({
    write(chunk, _encoding, done) {
      transcript += String(chunk);
      done();
    },
  });
  return { channel: createConsoleReplyChannel(output), transcript: () => transcript };
}

const consolePlatform: ReplyChannelHarnessFactory = {
  capabilities: { edits: false, messageLimit: undefined, emptyReplyText: undefined, rateLimits: false },
  async start(): Promise<ReplyChannelHarness> {
    const { channel, transcript } = capturedConsole();
    // The console has one terminal: a conversation is what was printed since it began.
    const startedAt = new Map<string, number>();
    return {
      channel,
      newConversation() {
        const target: ReplyTarget = { platform: 'console', channelId: `console-${startedAt.size + 1}` };
        startedAt.set(target.channelId, transcript().length);
        return target;
      },
      visible: (target) => consoleReplies(transcript().slice(startedAt.get(target.channelId) ?? 0)),
      dispose: async () => {},
    };
  },
};

replyChannelContract('Slack (WebClient against the fake Web API)', slack);
replyChannelContract('Discord (REST against the fake Discord)', discord);
replyChannelContract('console (a captured output stream)', consolePlatform);

// Where the console's single terminal shows more than the contract's per-reply view: today's exact output.
describe('console reply transcript', () => {
  const target: ReplyTarget = { platform: 'console', channelId: 'console' };
  const noPosts = { previous: [], onPosted: async () => {} };

  it('prints only what is new while streaming, then the usage line', async () => {
    const { channel, transcript } = capturedConsole();
    const reply = channel.openReply(target, noPosts);
    await reply.showWorking();
    reply.update('Hel');
    reply.update('Hello');
    await reply.finish('Hello there.', {
      isError: false,
      usage: { promptTokens: 12, completionTokens: 3 },
      costUsd: null,
    });
    expect(transcript()).toMatch(/^Bot: Hello there\.\n {5}\(12 prompt \+ 3 reply tokens · .+\)\n$/);
  });

  it('starts an indented line when a stream restarts, but puts a final text that does not extend it flush left', async () => {
    const { channel, transcript } = capturedConsole();
    const reply = channel.openReply(target, noPosts);
    reply.update('First try');
    reply.update('Second');
    await reply.finish('Sorry, that failed.', { isError: true });
    expect(transcript()).toBe('Bot: First try\n     Second\nSorry, that failed.\n');
  });

  it('leaves an interrupted reply unterminated, so the re-run prompt follows on the same line', async () => {
    const { channel, transcript } = capturedConsole();
    channel.openReply(target, noPosts).update('Half an ans');
    await channel.openReply(target, noPosts).finish('The whole answer.');
    expect(transcript()).toBe('Bot: Half an ansBot: The whole answer.\n');
  });
});
