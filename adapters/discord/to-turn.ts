import { sessionId } from '../../src/turn/session-id.ts';
import type { ReplyTarget, Turn } from '../../src/turn/turn.ts';
import { type AttachmentLike, discordAttachmentsOf } from './discord-attachments.ts';
import { isMemberAdmin, type MemberLike } from './platform-admin.ts';

/** The parts of a discord.js `Message` a turn is made of (a `Message` satisfies it). */
export interface MessageLike {
  /** Message snowflake. */
  id: string;
  /** Text; empty for guild messages that do not mention the bot (no MESSAGE_CONTENT intent). */
  content: string;
  /** True for joins, pins, boosts and other messages no person typed. */
  system: boolean;
  /** When Discord created it, ms since epoch. */
  createdTimestamp: number;
  /** Guild, or null in a DM. */
  guildId: string | null;
  /** Channel, DM channel or thread it was posted in. */
  channelId: string;
  /** Set when a webhook posted it. */
  webhookId: string | null;
  /** Who wrote it. */
  author: { id: string; bot: boolean; username: string; globalName: string | null };
  /** The author as a guild member (server nickname, permissions), in guilds. */
  member: ({ displayName: string } & MemberLike) | null;
  /**
   * Users the message mentions (including the author of a message it replies to with a ping), and the author
   * of the message it replies to (`repliedUser`, from the gateway's `referenced_message`; null if none or deleted).
   */
  mentions: {
    users: { has(id: string): boolean; keys?(): Iterable<string> };
    repliedUser?: { id: string } | null;
  };
  /** Attached files. */
  attachments: { size: number; values(): Iterable<AttachmentLike> };
  /**
   * The channel, to tell threads apart (a thread's `parentId` is the channel it lives in); guild channels also
   * tell a member's permissions in them (`permissionsFor`).
   */
  channel: { isThread(): boolean; parentId?: string | null };
}

/** Who the bot is and which messages it answers. */
export interface ToTurnContext {
  /** The bot's own user id (its messages are never turns; mentions of it are stripped). */
  botUserId: string;
  /** Ignore messages of other bots and webhooks. */
  ignoreBots: boolean;
  /** The message replies to one of the bot's messages: answered like a mention. */
  repliesToBot?: boolean;
  /** The message is in a thread the bot follows (and follow-ups are on): answered without a mention. */
  inFollowedThread?: boolean;
}

/**
 * The session whose persona, budget and `/forget` cover a conversation: a thread belongs to its parent
 * channel; a channel or DM is its own scope. (A text channel's own `parentId` is its category: not a scope.)
 */
export function scopeSessionId(
  guildId: string | null,
  channelId: string,
  channel: { isThread(): boolean; parentId?: string | null } | null,
): string {
  const parentId = guildId !== null && channel?.isThread() ? channel.parentId : undefined;
  return sessionId('discord', guildId ?? 'dm', parentId ?? channelId);
}

function stripMention(content: string, botUserId: string): string {
  return content.replace(new RegExp(`<@!?${botUserId}>\\s*`, 'g'), '').trim();
}

/** Real Discord ids are snowflakes; anything else cannot name a session. */
const SAFE_ID = /^[A-Za-z0-9._-]+$/;

/**
 * Whether a message is addressed to people other than the bot: it mentions (or replies to) someone besides
 * the bot and its own author, and not the bot.
 */
export function addressedToOthers(message: MessageLike, botUserId: string): boolean {
  const { users, repliedUser } = message.mentions;
  if (users.has(botUserId) || repliedUser?.id === botUserId) return false;
  const others = [...(users.keys?.() ?? []), ...(repliedUser ? [repliedUser.id] : [])];
  return others.some((id) => id !== message.author.id);
}

/** A message's text as the model reads it: the bot's mention stripped (its files travel as `attachments`). */
export function messageText(content: string, botUserId: string): string {
  return stripMention(content, botUserId);
}

/** Where the answer to a message goes: in a guild, as a reply to it (and in its thread, if it is in one). */
export function replyTargetOf(
  guildId: string | null,
  channelId: string,
  messageId: string,
  inThread: boolean,
): ReplyTarget {
  const target: ReplyTarget = { platform: 'discord', channelId };
  if (guildId !== null) {
    target.workspaceId = guildId;
    // In a busy channel the answer should point at the question; in a DM that would only be noise.
    target.replyToMessageId = messageId;
    if (inThread) target.threadId = channelId;
  }
  return target;
}

/** Whether the ids that name a turn's session are snowflakes (anything else is not from Discord). */
export function safeIds(...ids: Array<string | null>): boolean {
  return ids.every((id) => id === null || (typeof id === 'string' && SAFE_ID.test(id)));
}

/** What a message is to the bot: a question to answer, talk in a followed thread to remember, or nothing. */
function kindOf(message: MessageLike, context: ToTurnContext): 'message' | 'listen' | null {
  if (message.guildId === null) return 'message';
  if (message.mentions.users.has(context.botUserId) || context.repliesToBot) return 'message';
  if (!context.inFollowedThread || !message.channel.isThread()) return null;
  return addressedToOthers(message, context.botUserId) ? 'listen' : 'message';
}

/**
 * Makes a turn of a message the bot should answer: any message in a DM, a message mentioning the bot or
 * replying to one of its messages in a guild channel or thread, and (`inFollowedThread`) every message in a
 * thread the bot follows — as `listen` when it is addressed to someone else. Returns null for everything else
 * (own messages, other bots when ignored, system messages, nothing to say). The turn id and `messageRef` are
 * the message id, so a redelivered message is queued once and a later edit or delete finds it. Its files become
 * `attachments` (CDN URLs), and a message of files alone is answered.
 * The author is a platform admin with Manage Server, or Manage Channels in the channel (see `isGuildAdmin`).
 */
export function toTurn(message: MessageLike, context: ToTurnContext): Turn | null {
  if (message.author.id === context.botUserId) return null;
  if (message.system) return null;
  if (context.ignoreBots && (message.author.bot || message.webhookId !== null)) return null;
  const kind = kindOf(message, context);
  if (kind === null) return null;
  const text = messageText(message.content, context.botUserId);
  const attachments = discordAttachmentsOf(message.attachments.values());
  if (text === '' && attachments.length === 0) return null;
  if (!safeIds(message.id, message.channelId, message.guildId)) return null;
  const turn: Turn = {
    id: message.id,
    sessionId: sessionId('discord', message.guildId ?? 'dm', message.channelId),
    scopeId: scopeSessionId(message.guildId, message.channelId, message.channel),
    kind,
    messageRef: message.id,
    author: {
      id: message.author.id,
      name: message.member?.displayName ?? message.author.globalName ?? message.author.username,
      isPlatformAdmin: !message.author.bot && isMemberAdmin(message.member, message.channel),
    },
    text,
    target: replyTargetOf(message.guildId, message.channelId, message.id, message.channel.isThread()),
    receivedAt: message.createdTimestamp,
  };
  if (attachments.length > 0) turn.attachments = attachments;
  return turn;
}

/**
 * The same turn, answered in a thread the bot started on the message: the thread is its session, and the
 * channel the question was asked in stays its scope.
 */
export function moveToThread(turn: Turn, threadId: string): Turn {
  const guildId = turn.target.workspaceId;
  if (guildId === undefined) throw new Error('only guild messages can move to a thread');
  return {
    ...turn,
    sessionId: sessionId('discord', guildId, threadId),
    scopeId: turn.scopeId ?? turn.sessionId,
    // The thread starts on the question itself, so no reply reference is needed (nor allowed across channels).
    target: { platform: 'discord', channelId: threadId, threadId, workspaceId: guildId },
  };
}

/** A thread name from the question: its first line, shortened to Discord's 100-character limit. */
export function threadName(text: string): string {
  const firstLine = text.split('\n')[0]!.trim();
  if (firstLine === '') return 'Parley';
  return firstLine.length <= 80 ? firstLine : `${firstLine.slice(0, 79)}…`;
}
