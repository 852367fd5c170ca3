import type { ReplyTarget, Turn } from '../../src/turn/turn.ts';
import { parseCommandText } from './command-text.ts';
import {
  conversationOf,
  isDirectMessageChannel,
  type SlackConversation,
  type SlackSessionScope,
  slackScopeId,
  slackSessionId,
} from './slack-session-id.ts';
import { mentionsUser, slackTextToPlain } from './slack-text.ts';

/** The fields of a Slack `message` / `app_mention` event that Parley reads. Untrusted: every field is checked. */
export interface SlackMessageEvent {
  type?: unknown;
  subtype?: unknown;
  user?: unknown;
  bot_id?: unknown;
  username?: unknown;
  bot_profile?: unknown;
  text?: unknown;
  ts?: unknown;
  thread_ts?: unknown;
  channel?: unknown;
  channel_type?: unknown;
  team?: unknown;
  hidden?: unknown;
}

/** What `toTurn` needs besides the event. */
export interface ToTurnOptions {
  /** Workspace the event was delivered for (`team_id` of the envelope); falls back to `event.team`. */
  team: string | undefined;
  /** The bot's own user id (from `auth.test`). */
  botUserId: string;
  /** The bot's own bot id (from `auth.test`), to recognise its own posts. */
  botId: string | undefined;
  /** Ignore messages written by other bots. */
  ignoreBots: boolean;
  /** Display names by user id (author and mentioned users); missing ones fall back to the id. */
  names?: ReadonlyMap<string, string>;
  /** Told why an event produced no turn (for debug logs). */
  onIgnore?: (reason: string) => void;
  /** One conversation per thread (default) or one per channel (`SLACK_SESSION_SCOPE`). */
  sessionScope?: SlackSessionScope;
}

/** Message subtypes that carry a person's new text; everything else (edits, deletes, joins, …) is ignored. */
const TEXT_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

/** The words that, alone in a message to the bot, clear the conversation (slash commands cannot run in threads). */
const RESET_WORDS = new Set(['reset', '/reset']);

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

const SAFE = /^[A-Za-z0-9._-]+$/;
const SLACK_TS = /^\d{1,12}(\.\d{1,9})?$/;

/** Milliseconds since epoch of a Slack `ts` (`1700000000.000100`). */
export function tsToMillis(ts: string): number {
  return Math.round(Number(ts) * 1000);
}

/**
 * Converts an `app_mention` or `message` event into a Turn, or `null` when Parley should not answer it.
 * Answered: mentions of the bot (in channels, in a thread rooted at `thread_ts ?? ts`) and any user
 * message in a DM with the bot. The turn id is `<channel>:<ts>`, so the same message delivered as both
 * `app_mention` and `message.*`, or retried by Slack, is one turn. A message that is only `reset`
 * becomes a reset turn, and a person's mention whose first word is a command (`@bot usage`) a command turn —
 * slash commands cannot run in threads. At a channel's top level both act on the channel-level session, like
 * the slash commands; in a thread on the thread's session. Every turn carries `scopeId`, the channel-level
 * session of its channel or DM.
 */
export function toTurn(event: SlackMessageEvent, options: ToTurnOptions): Turn | null {
  const ignore = (reason: string): null => {
    options.onIgnore?.(reason);
    return null;
  };
  const type = str(event.type);
  if (type !== 'app_mention' && type !== 'message') return ignore(`event type ${String(event.type)}`);
  if (event.hidden === true) return ignore('hidden');

  const subtype = str(event.subtype);
  const botId = str(event.bot_id);
  if (subtype !== undefined && !TEXT_SUBTYPES.has(subtype) && subtype !== 'bot_message') {
    return ignore(`subtype ${subtype}`);
  }
  const user = str(event.user);
  if (user !== undefined && user === options.botUserId) return ignore('own message');
  if (botId !== undefined && botId === options.botId) return ignore('own bot message');
  const fromBot = botId !== undefined || subtype === 'bot_message';
  if (fromBot && options.ignoreBots) return ignore('bot message');

  const channel = str(event.channel);
  const ts = str(event.ts);
  const team = options.team ?? str(event.team);
  const rawText = typeof event.text === 'string' ? event.text : undefined;
  const authorId = user ?? botId;
  if (!channel || !ts || !team || rawText === undefined || !authorId) return ignore('missing fields');
  const threadTs = str(event.thread_ts);
  if (![channel, ts, team].every((part) => SAFE.test(part)) || (threadTs && !SAFE.test(threadTs))) {
    return ignore('malformed ids');
  }
  // Slack timestamps are `seconds.micros`; anything else would give the turn no time (NaN).
  if (!SLACK_TS.test(ts) || (threadTs && !SLACK_TS.test(threadTs))) return ignore('malformed ts');

  const isDirectMessage = event.channel_type === 'im' || isDirectMessageChannel(channel);
  const mentioned = mentionsUser(rawText, options.botUserId);
  // In channels Parley only answers when addressed. `app_mention` always is; a `message.*` copy of a
  // mention is accepted too (same turn id, so the queue keeps one of them).
  if (!isDirectMessage && type === 'message' && !mentioned) return ignore('channel message without mention');

  const text = slackTextToPlain(rawText, { botUserId: options.botUserId, names: options.names });
  const isReset = RESET_WORDS.has(text.trim().toLowerCase()) && (mentioned || isDirectMessage);
  // Only people run commands by mention: another bot's text (ignoreBots off) is never a `forget confirm`.
  // `reset` with more words stays a question ("@bot reset my password?"), as before commands existed.
  const parsed = mentioned && !fromBot && !isReset ? parseCommandText(text) : undefined;
  const command = parsed?.name === 'reset' ? undefined : parsed;
  if (!isReset && !command && text.length === 0) return ignore('empty text');

  let conversation: SlackConversation = conversationOf({
    team,
    channel,
    ts,
    threadTs,
    isDirectMessage,
    scope: options.sessionScope,
  });
  // Where the answer goes: a channel mention is answered in its thread, even when the channel shares one
  // conversation across threads.
  let replyThreadTs = isDirectMessage ? threadTs : (threadTs ?? ts);
  if ((isReset || command) && !isDirectMessage && threadTs === undefined) {
    // A top-level "@bot reset" would otherwise reset the brand-new thread it starts; a top-level command
    // acts on the channel, like its slash command, and is answered there.
    conversation = { team, channel };
    replyThreadTs = undefined;
  }

  const target: ReplyTarget = {
    platform: 'slack',
    channelId: channel,
    workspaceId: team,
    replyToMessageId: ts,
  };
  if (replyThreadTs !== undefined) target.threadId = replyThreadTs;
  if (command) target.invoker = { userId: authorId };

  const bot = typeof event.bot_profile === 'object' && event.bot_profile !== null ? event.bot_profile : {};
  const botName = str((bot as { name?: unknown }).name) ?? str(event.username);
  const authorName = options.names?.get(authorId) ?? (user === undefined ? botName : undefined) ?? authorId;

  const turn: Turn = {
    id: `${channel}:${ts}`,
    sessionId: slackSessionId(conversation),
    kind: isReset ? 'reset' : command ? 'command' : 'message',
    scopeId: slackScopeId(conversation),
    author: { id: authorId, name: authorName },
    text: isReset ? '' : text,
    target,
    receivedAt: tsToMillis(ts),
  };
  if (command) turn.command = { name: command.name, args: command.args };
  return turn;
}

/** Whether the turn's message is a reply inside a thread that existed before it (thread backfill applies). */
export function isInExistingThread(event: SlackMessageEvent): boolean {
  const threadTs = str(event.thread_ts);
  return threadTs !== undefined && threadTs !== str(event.ts);
}
