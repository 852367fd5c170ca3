import type { ReplyTarget, Turn } from '../../src/turn/turn.ts';
import { type ParsedCommand, parseCommandText } from './command-text.ts';
import { type MessageEventFields, nonEmptyString, readMessageEvent } from './read-message-event.ts';
import { type SlackFile, slackAttachmentsOf } from './slack-files.ts';
import {
  conversationOf,
  isDirectMessageChannel,
  type SlackConversation,
  type SlackSessionScope,
  slackScopeId,
  slackSessionId,
} from './slack-session-id.ts';
import { mentionedUserIds, mentionsUser, slackTextToPlain } from './slack-text.ts';

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
  /** The author's own team (Slack Connect: it can differ from the workspace the event was delivered for). */
  user_team?: unknown;
  hidden?: unknown;
  /** Files shared with the message (`file_share`, or a mention or DM with files): see `SlackFile`. */
  files?: unknown;
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
  /** Names of channels the text links without one (`<#C123>`); missing ones stay as the id. */
  channelNames?: ReadonlyMap<string, string>;
  /**
   * `FOLLOW_UPS=thread`: a person's message in a channel thread without a mention becomes a follow-up turn (the
   * caller then queues it only if the bot follows that thread, see `followRoleOf`). Off: it is ignored.
   */
  followUps?: boolean;
  /**
   * What `files.info` said of the message's files that only it describes (Slack Connect), by file id (looked up
   * with the names, see `lookUpFileInfo`); without it such files are attached without a URL.
   */
  fileInfo?: ReadonlyMap<string, SlackFile>;
  /** Whether Slack makes the author a workspace admin or owner (looked up with the names; default false). */
  authorIsAdmin?: boolean;
  /** Told why an event produced no turn (for debug logs). */
  onIgnore?: (reason: string) => void;
  /** One conversation per thread (default) or one per channel (`SLACK_SESSION_SCOPE`). */
  sessionScope?: SlackSessionScope;
}

/** The words that, alone in a message to the bot, clear the conversation (slash commands cannot run in threads). */
const RESET_WORDS = new Set(['reset', '/reset']);

/** Milliseconds since epoch of a Slack `ts` (`1700000000.000100`). */
export function tsToMillis(ts: string): number {
  return Math.round(Number(ts) * 1000);
}

/** What a message asks for: to clear the conversation, to run a command (`@bot usage`), or an answer. */
export type MessageIntent =
  | { kind: 'reset' }
  | { kind: 'command'; command: ParsedCommand }
  | { kind: 'message' };

/** How a message reached the bot. */
export interface Addressing {
  /** Whether it mentions the bot. */
  mentioned: boolean;
  /** Whether it is in a DM with the bot. */
  isDirectMessage: boolean;
  /** Whether another bot wrote it. */
  fromBot: boolean;
}

/**
 * What a message (as plain text) asks for. Only `reset` alone, addressed to the bot, is a reset. Only people
 * run commands by mention: another bot's text (ignoreBots off) is never a `forget confirm`. `reset` with more
 * words stays a question ("@bot reset my password?"), as before commands existed.
 */
export function intentOf(text: string, addressing: Addressing): MessageIntent {
  const { mentioned, isDirectMessage, fromBot } = addressing;
  if (RESET_WORDS.has(text.trim().toLowerCase()) && (mentioned || isDirectMessage)) return { kind: 'reset' };
  const parsed = mentioned && !fromBot ? parseCommandText(text) : undefined;
  return parsed === undefined || parsed.name === 'reset'
    ? { kind: 'message' }
    : { kind: 'command', command: parsed };
}

/** Where a turn lives and where its answer goes. */
export interface Placement {
  /** The conversation (session) the turn belongs to. */
  conversation: SlackConversation;
  /** The thread the answer goes to; undefined for the top level. */
  replyThreadTs: string | undefined;
}

/**
 * A channel mention is answered in its thread, even when the channel shares one conversation across
 * threads. A reset or command at a channel's top level (`actsOnChannel`) acts on the channel, like its slash
 * command, and is answered there: a top-level "@bot reset" would otherwise reset the brand-new thread it starts.
 */
export function placementOf(
  message: Parameters<typeof conversationOf>[0],
  actsOnChannel: boolean,
): Placement {
  const { team, channel, ts, threadTs, isDirectMessage } = message;
  if (actsOnChannel && !isDirectMessage && threadTs === undefined) {
    return { conversation: { team, channel }, replyThreadTs: undefined };
  }
  return {
    conversation: conversationOf(message),
    replyThreadTs: isDirectMessage ? threadTs : (threadTs ?? ts),
  };
}

/** The author's display name: a looked-up name, else (for a bot's post) the bot's name, else the id. */
function authorNameOf(
  event: SlackMessageEvent,
  fields: MessageEventFields,
  names: ReadonlyMap<string, string> | undefined,
): string {
  const bot = typeof event.bot_profile === 'object' && event.bot_profile !== null ? event.bot_profile : {};
  const botName = nonEmptyString((bot as { name?: unknown }).name) ?? nonEmptyString(event.username);
  return names?.get(fields.authorId) ?? (fields.user === undefined ? botName : undefined) ?? fields.authorId;
}

/**
 * Converts an `app_mention` or `message` event into a Turn, or `null` when Parley should not answer it.
 * Answered: mentions of the bot (in channels, in a thread rooted at `thread_ts ?? ts`) and any user
 * message in a DM with the bot. The turn id is `<channel>:<ts>`, so the same message delivered as both
 * `app_mention` and `message.*`, or retried by Slack, is one turn. A message that is only `reset`
 * becomes a reset turn, and a person's mention whose first word is a command (`@bot usage`) a command turn —
 * slash commands cannot run in threads. At a channel's top level both act on the channel-level session, like
 * the slash commands; in a thread on the thread's session. With `followUps`, a thread message without a mention
 * is a follow-up (`message`, or `listen` when it mentions other people). Every turn carries `scopeId`, the
 * channel-level session of its channel or DM, and `messageRef`, the message's `ts`. The message's files become
 * `attachments` (see `slackFileToAttachment`: URLs, never the token), and a message of files alone is answered.
 */
export function toTurn(event: SlackMessageEvent, options: ToTurnOptions): Turn | null {
  const ignore = (reason: string): null => {
    options.onIgnore?.(reason);
    return null;
  };
  const fields = readMessageEvent(event, options);
  if ('ignored' in fields) return ignore(fields.ignored);
  const { channel, ts, team, threadTs, rawText, authorId } = fields;

  const isDirectMessage = event.channel_type === 'im' || isDirectMessageChannel(channel);
  const mentioned = mentionsUser(rawText, options.botUserId);
  const addressed = addressingOf(fields, {
    isDirectMessage,
    mentioned,
    followUps: options.followUps === true,
  });
  if ('ignored' in addressed) return ignore(addressed.ignored);

  const text = slackTextToPlain(rawText, {
    botUserId: options.botUserId,
    names: options.names,
    channelNames: options.channelNames,
  });
  const intent = intentOf(text, { mentioned, isDirectMessage, fromBot: fields.fromBot });
  // Files go with what is answered or remembered; a reset or command only acts.
  const attachments = intent.kind === 'message' ? slackAttachmentsOf(event.files, options.fileInfo) : [];
  if (intent.kind === 'message' && text.length === 0 && attachments.length === 0) return ignore('empty text');
  const { conversation, replyThreadTs } = placementOf(
    { team, channel, ts, threadTs, isDirectMessage, scope: options.sessionScope },
    intent.kind !== 'message',
  );

  const target: ReplyTarget = {
    platform: 'slack',
    channelId: channel,
    workspaceId: team,
    replyToMessageId: ts,
  };
  if (replyThreadTs !== undefined) target.threadId = replyThreadTs;
  if (intent.kind === 'command') target.invoker = { userId: authorId };
  // A person's message is answered for that person: the recipient of a stream in a channel, and who may stop it.
  if (fields.user !== undefined && !fields.fromBot) {
    target.recipient = { userId: fields.user, teamId: teamOf(event.user_team) ?? teamOf(event.team) ?? team };
  }
  const turn: Turn = {
    id: `${channel}:${ts}`,
    sessionId: slackSessionId(conversation),
    kind: intent.kind === 'message' ? addressed.kind : intent.kind,
    messageRef: ts,
    scopeId: slackScopeId(conversation),
    author: {
      id: authorId,
      name: authorNameOf(event, fields, options.names),
      // A bot's post is never an admin's, whatever the lookup said.
      isPlatformAdmin: options.authorIsAdmin === true && !fields.fromBot,
    },
    text: intent.kind === 'reset' ? '' : text,
    target,
    receivedAt: tsToMillis(ts),
  };
  if (intent.kind === 'command') turn.command = { name: intent.command.name, args: intent.command.args };
  if (attachments.length > 0) turn.attachments = attachments;
  return turn;
}

/**
 * Whether a message is for the bot: `message` (answer it) or `listen` (a follow-up addressed to other people:
 * remember it), else why it is ignored. In channels Parley answers when addressed — `app_mention` always is; a
 * `message.*` copy of a mention is accepted too (same turn id, so the queue keeps one of them) — and, with
 * follow-ups on, a person's message inside a thread (whether the bot follows that thread is the caller's check).
 */
function addressingOf(
  fields: MessageEventFields,
  how: { isDirectMessage: boolean; mentioned: boolean; followUps: boolean },
): { kind: 'message' | 'listen' } | { ignored: string } {
  if (how.isDirectMessage || how.mentioned || fields.type === 'app_mention') return { kind: 'message' };
  if (!how.followUps || fields.threadTs === undefined) return { ignored: 'channel message without mention' };
  // Another bot answering in the thread would make two bots talk to each other for ever.
  if (fields.fromBot) return { ignored: 'bot message without mention' };
  // No mention of the bot here, so any mention is of someone else.
  return { kind: mentionedUserIds(fields.rawText).length > 0 ? 'listen' : 'message' };
}

/** A team id from an event field, if it is one. */
function teamOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[TE][A-Z0-9]+$/.test(value) ? value : undefined;
}

/** Whether the turn's message is a reply inside a thread that existed before it (thread backfill applies). */
export function isInExistingThread(event: SlackMessageEvent): boolean {
  const threadTs = nonEmptyString(event.thread_ts);
  return threadTs !== undefined && threadTs !== nonEmptyString(event.ts);
}
