import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { ContextMessage } from '../../src/turn/turn.ts';
import { mentionedUserIds, slackTextToPlain } from './slack-text.ts';
import { tsToMillis } from './to-turn.ts';
import type { UserDirectory } from './user-directory.ts';

/** Most earlier thread messages handed to a new session. */
export const MAX_CONTEXT_MESSAGES = 50;
/** Pages of `conversations.replies` read at most (200 messages each). */
const MAX_PAGES = 5;

/** Options of `fetchThreadContext`. */
export interface ThreadContextOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Names of authors and mentioned users. */
  directory: UserDirectory;
  /** Logger. */
  logger: Logger;
  /** Channel of the thread. */
  channel: string;
  /** Root `ts` of the thread. */
  threadTs: string;
  /** The message that mentioned the bot: it and everything after it are left out. */
  currentTs: string;
  /** The bot's user id and bot id, to mark its own messages. */
  botUserId: string;
  botId: string | undefined;
  /** Most messages kept (the newest). */
  limit?: number;
}

interface ReplyMessage {
  ts?: unknown;
  user?: unknown;
  bot_id?: unknown;
  subtype?: unknown;
  text?: unknown;
  username?: unknown;
  bot_profile?: { name?: unknown };
}

const KEPT_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'bot_message']);

/**
 * The thread's messages before the one that mentioned the bot, oldest first, as `ContextMessage[]`:
 * when Parley is first called into an existing thread it should know what was said. Failures are logged
 * and give an empty list — missing context never fails a turn.
 */
export async function fetchThreadContext(options: ThreadContextOptions): Promise<ContextMessage[]> {
  const limit = options.limit ?? MAX_CONTEXT_MESSAGES;
  const current = Number(options.currentTs);
  const messages: ReplyMessage[] = [];
  try {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await options.client.conversations.replies({
        channel: options.channel,
        ts: options.threadTs,
        latest: options.currentTs,
        inclusive: false,
        limit: 200,
        cursor,
      });
      messages.push(...((result.messages ?? []) as ReplyMessage[]));
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
  } catch (error) {
    options.logger.warn(
      { err: error, channel: options.channel, threadTs: options.threadTs },
      'conversations.replies failed; answering without the earlier thread messages',
    );
    return [];
  }

  const earlier = messages
    .filter((message) => typeof message.ts === 'string' && Number(message.ts) < current)
    .filter((message) => KEPT_SUBTYPES.has(message.subtype as string | undefined))
    .filter((message) => typeof message.text === 'string' && message.text.trim() !== '')
    .sort((a, b) => Number(a.ts) - Number(b.ts))
    .slice(-limit);

  const userIds = new Set<string>();
  for (const message of earlier) {
    if (typeof message.user === 'string') userIds.add(message.user);
    for (const id of mentionedUserIds(message.text as string)) userIds.add(id);
  }
  userIds.delete(options.botUserId);
  const names = await options.directory.names(userIds);

  const context: ContextMessage[] = [];
  for (const message of earlier) {
    const user = typeof message.user === 'string' ? message.user : undefined;
    const botId = typeof message.bot_id === 'string' ? message.bot_id : undefined;
    const fromBot = user === options.botUserId || (botId !== undefined && botId === options.botId);
    const text = slackTextToPlain(message.text as string, { botUserId: options.botUserId, names });
    if (text === '') continue;
    const botName =
      typeof message.bot_profile?.name === 'string'
        ? message.bot_profile.name
        : typeof message.username === 'string'
          ? message.username
          : undefined;
    const id = fromBot ? options.botUserId : (user ?? botId ?? 'unknown');
    const name = fromBot ? 'assistant' : ((user && names.get(user)) ?? botName ?? id);
    context.push({ author: { id, name }, fromBot, text, at: tsToMillis(message.ts as string) });
  }
  return context;
}
