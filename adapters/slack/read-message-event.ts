import type { SlackMessageEvent, ToTurnOptions } from './to-turn.ts';

/** The checked fields of a message event that may become a turn. */
export interface MessageEventFields {
  /** `app_mention`, or `message` (any `message.*` event). */
  type: 'app_mention' | 'message';
  /** The author's user id; absent for a bot's post. */
  user: string | undefined;
  /** Who wrote it: the user id, else the bot id. */
  authorId: string;
  /** Whether another bot wrote it. */
  fromBot: boolean;
  /** Channel or DM channel id. */
  channel: string;
  /** The message's `ts`: `seconds.micros`. */
  ts: string;
  /** Root `ts` of the thread it is in, if any. */
  threadTs: string | undefined;
  /** Workspace id. */
  team: string;
  /** The text as Slack sent it (mrkdwn with control sequences). */
  rawText: string;
}

/** Message subtypes that carry a person's new text; everything else (edits, deletes, joins, …) is ignored. */
const TEXT_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

/** The user id of Slackbot, whose posts (reminders, canned answers) carry neither `bot_id` nor a bot subtype. */
export const SLACKBOT_USER_ID = 'USLACKBOT';

const SAFE = /^[A-Za-z0-9._-]+$/;
const SLACK_TS = /^\d{1,12}(\.\d{1,9})?$/;

/** The value when it is a non-empty string. */
export const nonEmptyString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/**
 * Checks an untrusted event: its type and subtype, that neither the bot, nor Slackbot, nor (with
 * `ignoreBots`) another bot wrote it, and that its ids and timestamps are there and well formed. Returns the fields, or why the event
 * is ignored (the first check it fails).
 */
export function readMessageEvent(
  event: SlackMessageEvent,
  options: Pick<ToTurnOptions, 'team' | 'botUserId' | 'botId' | 'ignoreBots'>,
): MessageEventFields | { ignored: string } {
  const type = nonEmptyString(event.type);
  if (type !== 'app_mention' && type !== 'message') return { ignored: `event type ${String(event.type)}` };
  if (event.hidden === true) return { ignored: 'hidden' };

  const subtype = nonEmptyString(event.subtype);
  const botId = nonEmptyString(event.bot_id);
  if (subtype !== undefined && !TEXT_SUBTYPES.has(subtype) && subtype !== 'bot_message') {
    return { ignored: `subtype ${subtype}` };
  }
  const user = nonEmptyString(event.user);
  if (user !== undefined && user === options.botUserId) return { ignored: 'own message' };
  // Slackbot is a bot whatever `ignoreBots` says: answering a reminder would only start a conversation of bots.
  if (user === SLACKBOT_USER_ID) return { ignored: 'slackbot message' };
  if (botId !== undefined && botId === options.botId) return { ignored: 'own bot message' };
  const fromBot = botId !== undefined || subtype === 'bot_message';
  if (fromBot && options.ignoreBots) return { ignored: 'bot message' };

  const channel = nonEmptyString(event.channel);
  const ts = nonEmptyString(event.ts);
  const team = options.team ?? nonEmptyString(event.team);
  // A share of files alone may come without any text.
  const hasFiles = Array.isArray(event.files) && event.files.length > 0;
  const rawText = typeof event.text === 'string' ? event.text : hasFiles ? '' : undefined;
  const authorId = user ?? botId;
  if (!channel || !ts || !team || rawText === undefined || !authorId) return { ignored: 'missing fields' };
  const threadTs = nonEmptyString(event.thread_ts);
  if (![channel, ts, team].every((part) => SAFE.test(part)) || (threadTs && !SAFE.test(threadTs))) {
    return { ignored: 'malformed ids' };
  }
  // Slack timestamps are `seconds.micros`; anything else would give the turn no time (NaN).
  if (!SLACK_TS.test(ts) || (threadTs && !SLACK_TS.test(threadTs))) return { ignored: 'malformed ts' };
  return { type, user, authorId, fromBot, channel, ts, threadTs, team, rawText };
}
