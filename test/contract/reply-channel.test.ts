import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createConsoleReplyChannel } from '../../adapters/console/console-reply-channel.ts';
import { createTerminalMarkdown } from '../../adapters/console/terminal-markdown.ts';
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

/** Slack's native streaming (`chat.startStream` → `appendStream` → `stopStream`), in a DM thread where it runs. */
const slackNative: ReplyChannelHarnessFactory = {
  capabilities: slack.capabilities,
  async start() {
    const api = await startFakeSlackApi();
    const channel = createTestSlackReplyChannel({
      apiUrl: api.url,
      config: { botToken: 'xoxb-contract', streaming: 'native' },
      retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 },
      editIntervalMs: EDIT_INTERVAL_MS,
    });
    let threads = 0;
    return {
      channel,
      newConversation() {
        threads += 1;
        const threadId = `1700000000.${String(threads).padStart(6, '0')}`;
        return { platform: 'slack', channelId: 'D1', threadId, workspaceId: 'T1' };
      },
      visible: (target) =>
        api.messagesIn(target.channelId, target.threadId).map((message) => ({
          id: message.ts,
          text: message.text,
        })),
      rateLimitNextPost() {
        api.failNext('chat.startStream', 1, { status: 429, retryAfter: 1 });
        return {
          retryAfterMs: 1_000,
          served: () => api.callsTo('chat.startStream').filter((call) => call.status === 429).length,
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

/** A console channel printing into a string: piped output, as a script reads it. */
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

/** The escape character, which starts a terminal's control codes. */
const ESC = String.fromCharCode(0x1b);

/**
 * What a terminal shows of what was written to it: the few escape codes the console uses to replace a streamed
 * raw block by its rendering (cursor up `ESC[nA`, right `ESC[nC`, carriage return, erase below `ESC[J`) applied
 * to a screen of lines; colours and other codes take no room.
 */
function screenOf(written: string): string {
  const lines: string[] = [''];
  let row = 0;
  let column = 0;
  const put = (character: string) => {
    const line = (lines[row] ?? '').padEnd(column);
    lines[row] = line.slice(0, column) + character + line.slice(column + 1);
    column += 1;
  };
  for (const token of written.match(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]|[\\s\\S]`, 'g')) ?? []) {
    const code = new RegExp(`^${ESC}\\[([0-9;]*)([A-Za-z])$`).exec(token);
    if (code) {
      const count = Number(code[1] || 1);
      if (code[2] === 'A') row = Math.max(0, row - count);
      else if (code[2] === 'C') column += count;
      else if (code[2] === 'J') {
        lines[row] = (lines[row] ?? '').slice(0, column);
        lines.length = row + 1;
      }
    } else if (token === '\n') {
      row += 1;
      column = 0;
      lines[row] ??= '';
    } else if (token === '\r') column = 0;
    else put(token);
  }
  return lines.join('\n');
}

/** A console channel printing to a terminal (a wide, tall one, so nothing scrolls away): the chat as people use it. */
function terminalConsole() {
  let written = '';
  const output = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    }),
    { isTTY: true, columns: 10_000, rows: 10_000 },
  );
  return { channel: createConsoleReplyChannel(output, { color: true }), transcript: () => screenOf(written) };
}

const terminalMarkdown = createTerminalMarkdown({ color: false });

const consolePlatform: ReplyChannelHarnessFactory = {
  capabilities: {
    edits: false,
    messageLimit: undefined,
    emptyReplyText: undefined,
    rateLimits: false,
    shown: terminalMarkdown,
    replacesUnfinished: true,
  },
  async start(): Promise<ReplyChannelHarness> {
    const { channel, transcript } = terminalConsole();
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
replyChannelContract('Slack native streaming (a DM thread, against the fake Web API)', slackNative);
replyChannelContract('Discord (REST against the fake Discord)', discord);
replyChannelContract('console (on a terminal)', consolePlatform);

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

  it('piped, prints whole blocks only: the unfinished text of a stream that restarted never shows', async () => {
    const { channel, transcript } = capturedConsole();
    const reply = channel.openReply(target, noPosts);
    reply.update('First paragraph.\n\nFirst try');
    reply.update('Second');
    await reply.finish('Sorry, that failed.', { isError: true });
    expect(transcript()).toBe('Bot: First paragraph.\nSorry, that failed.\n');
  });

  it('on a terminal, shows a streamed block raw and replaces it by its rendering once complete', async () => {
    const { channel, transcript } = terminalConsole();
    const reply = channel.openReply(target, noPosts);
    reply.update('Some **bold');
    expect(transcript()).toBe('Bot: Some **bold');
    await reply.finish('Some **bold** text.');
    expect(transcript()).toBe('Bot: Some bold text.\n');
  });

  it('starts the re-run of an interrupted reply on a line of its own, the interrupted text staying', async () => {
    const { channel, transcript } = terminalConsole();
    channel.openReply(target, noPosts).update('Half an ans');
    await channel.openReply(target, noPosts).finish('The whole answer.');
    expect(transcript()).toBe('Bot: Half an ans\nBot: The whole answer.\n');
  });
});
