import { type App, Assistant } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { SuggestedPrompt } from '../../src/app/suggested-prompts.ts';
import { type AssistantThreads, createAssistantThreads, threadOf } from './assistant-threads.ts';
import { isCommandName } from './command-text.ts';
import type { IncomingSlackEvent } from './message-handler.ts';
import { slackTextToPlain } from './slack-text.ts';
import type { UserDirectory } from './user-directory.ts';
import { describeViewedChannel } from './viewed-channel.ts';

/** What a new assistant thread suggests when `SLACK_SUGGESTED_PROMPTS` is unset. */
export const DEFAULT_SUGGESTED_PROMPTS: SuggestedPrompt[] = [
  {
    title: 'Summarize the channel',
    message: 'Summarize what is being discussed in the channel I am looking at.',
  },
  { title: 'Draft a message', message: 'Help me draft a clear, friendly message to my team.' },
  { title: 'Explain something', message: 'Explain a concept I am stuck on, step by step.' },
  { title: 'Brainstorm ideas', message: 'Brainstorm five ideas with me, then help me pick the best one.' },
];

/** Longest thread title taken from the first question. */
const TITLE_CHARS = 60;

/** Options of `registerAssistantPane`. */
export interface AssistantPaneOptions {
  /** Turns message events into queued turns (the same handler as every other message). */
  handleMessage: (incoming: IncomingSlackEvent) => Promise<void>;
  /** Prompts a new thread suggests (default `DEFAULT_SUGGESTED_PROMPTS`). */
  suggestedPrompts?: SuggestedPrompt[];
  /** Display names of the viewed channel's authors. */
  directory: UserDirectory;
  /** Where the state of each thread is kept (default: this process's memory; with Redis, shared by every ingress). */
  threads?: AssistantThreads;
  /** Logger. */
  logger: Logger;
}

/**
 * Slack's assistant pane (`SLACK_ASSISTANT=true`) on Bolt's `Assistant` middleware. A new thread gets the
 * suggested prompts; a message in it is queued like any DM thread message (its own session, the same memory,
 * usage and commands) with three additions: a command word written plainly (`usage`, `persona: …`) is run as
 * a command, since slash commands do not work there; the channel the user is looking at is told to the model
 * when it changes (only a channel the bot is in); and the first question becomes the thread's title. The
 * middleware sees every message of a DM thread, which is where assistant threads live.
 */
export function registerAssistantPane(app: App, options: AssistantPaneOptions): void {
  const { logger } = options;
  const threads = options.threads ?? createAssistantThreads();
  const prompts = options.suggestedPrompts ?? DEFAULT_SUGGESTED_PROMPTS;
  const assistant = new Assistant({
    threadContextStore: threads.contextStore,
    threadStarted: async ({ payload, setSuggestedPrompts, saveThreadContext }) => {
      await saveThreadContext();
      await setSuggestedPrompts({ prompts, title: 'Try asking:' }).catch((error: unknown) =>
        logger.warn({ err: error, thread: threadOf(payload).threadTs }, 'could not set suggested prompts'),
      );
    },
    threadContextChanged: async ({ saveThreadContext }) => {
      await saveThreadContext();
    },
    userMessage: async ({ message, body, context, client, setTitle, getThreadContext }) => {
      const event = message as unknown as IncomingSlackEvent['event'];
      const botUserId = context.botUserId;
      const { channelId, threadTs } = threadOf(message);
      const fromPerson = isFromPerson(event, botUserId);
      const text = typeof event.text === 'string' ? event.text : '';
      let note: string | undefined;
      if (fromPerson) {
        const viewed = (await getThreadContext()).channel_id;
        if (viewed !== undefined && (await threads.noteViewedChannel(channelId, threadTs, viewed))) {
          note = await describeViewedChannel(client, viewed, { logger, names: options.directory.names });
        }
      }
      const paneText =
        fromPerson && botUserId && isPaneCommand(text) ? `<@${botUserId}> ${text.trim()}` : text;
      await options.handleMessage({
        event: { ...event, text: paneText },
        body: body as IncomingSlackEvent['body'],
        context: context as IncomingSlackEvent['context'],
        note,
      });
      if (fromPerson && !isPaneCommand(text) && (await threads.claimTitle(channelId, threadTs))) {
        await setTitle(titleOf(text)).catch((error: unknown) =>
          logger.debug({ err: error, thread: threadTs }, 'could not set the assistant thread title'),
        );
      }
    },
  });
  app.assistant(assistant);
}

/** Whether a person (not a bot, not the bot itself) wrote the message. */
function isFromPerson(event: IncomingSlackEvent['event'], botUserId: string | undefined): boolean {
  return typeof event.user === 'string' && event.user !== botUserId && event.bot_id === undefined;
}

/**
 * Whether a plain message in the pane is a command: a command word alone (`usage`, `reset`), or followed by
 * a colon or preceded by a slash (`persona: You are terse.`, `/memory clear`). "help me write a poem" stays a
 * question.
 */
export function isPaneCommand(text: string): boolean {
  const match = /^\s*(\/)?([A-Za-z]+)(:)?(\s[\s\S]*)?$/.exec(text);
  if (!match || !isCommandName(match[2]!.toLowerCase())) return false;
  const alone = (match[4] ?? '').trim() === '';
  return alone || match[1] !== undefined || match[3] !== undefined;
}

/** The thread's title: the first line of the first question, shortened. */
export function titleOf(text: string): string {
  const line = slackTextToPlain(text).split('\n')[0]!.trim();
  if (line === '') return 'New chat';
  return line.length <= TITLE_CHARS ? line : `${line.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
}
