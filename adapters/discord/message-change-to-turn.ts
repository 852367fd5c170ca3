import type { ReplyTarget, Turn } from '../../src/turn/turn.ts';
import { messageText, safeIds } from './to-turn.ts';

/**
 * A MESSAGE_UPDATE or MESSAGE_DELETE dispatch as the gateway sends it (`d`). An update carries the whole
 * message (older ones only what changed); a delete only `id`, `channel_id` and, in guilds, `guild_id`.
 */
export interface RawMessageChange {
  /** The message's snowflake. */
  id?: unknown;
  /** Its channel, DM channel or thread. */
  channel_id?: unknown;
  /** Its guild; absent in DMs. */
  guild_id?: unknown;
  /** Its author (updates). */
  author?: { id?: unknown; bot?: unknown; username?: unknown; global_name?: unknown };
  /** The author as a guild member (guild updates). */
  member?: { nick?: unknown } | null;
  /** Set when a webhook posted it. */
  webhook_id?: unknown;
  /** The new text (empty without Message Content, unless it mentions the bot or is in a DM). */
  content?: unknown;
  /** When it was edited; null for updates that are not edits (link previews, pins). */
  edited_timestamp?: unknown;
}

/** The conversation a changed message belongs to, as the handler resolved it. */
export interface ChangedMessageSession {
  /** Its session. */
  sessionId: string;
  /** The channel-level session over it. */
  scopeId: string;
  /** Where that session's answers go. */
  target: ReplyTarget;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The ids of a change, when they are snowflakes (anything else is not from Discord). */
export function changeIds(
  data: RawMessageChange,
): { messageId: string; channelId: string; guildId: string | null } | null {
  const messageId = text(data.id);
  const channelId = text(data.channel_id);
  const guildId = text(data.guild_id) ?? null;
  if (messageId === undefined || channelId === undefined || !safeIds(messageId, channelId, guildId))
    return null;
  return { messageId, channelId, guildId };
}

/**
 * An `edit` turn of a person's edit: `targetRef` is the message, `text` its new text as the model reads it
 * (`messageText`; an edit changes only the text, so the message's files are not carried again). Null for bots'
 * and webhooks' edits, updates that are no edits (no `edited_timestamp`: link previews, pins) and edits whose
 * text cannot be read (empty). The id includes the edit's time, so a
 * redelivered edit is queued once and a later edit of the same message is a turn of its own.
 */
export function editToTurn(
  data: RawMessageChange,
  botUserId: string,
  session: ChangedMessageSession,
): Turn | null {
  const ids = changeIds(data);
  const authorId = text(data.author?.id);
  const editedAt = Date.parse(text(data.edited_timestamp) ?? '');
  if (!ids || authorId === undefined || Number.isNaN(editedAt)) return null;
  if (authorId === botUserId || data.author?.bot === true || data.webhook_id != null) return null;
  const newText = messageText(text(data.content) ?? '', botUserId);
  if (newText === '') return null;
  const name =
    text(data.member?.nick) ?? text(data.author?.global_name) ?? text(data.author?.username) ?? authorId;
  return {
    id: `${ids.messageId}-edit-${editedAt}`,
    ...session,
    kind: 'edit',
    messageRef: ids.messageId,
    targetRef: ids.messageId,
    author: { id: authorId, name, isPlatformAdmin: false },
    text: newText,
    receivedAt: editedAt,
  };
}

/**
 * A `delete` turn: `targetRef` is the removed message. Discord does not say who wrote it or when it was
 * removed, so the author is unknown and the time is now. One turn per message, however often it is redelivered.
 */
export function deleteToTurn(
  data: RawMessageChange,
  session: ChangedMessageSession,
  now: number,
): Turn | null {
  const ids = changeIds(data);
  if (!ids) return null;
  return {
    id: `${ids.messageId}-delete`,
    ...session,
    kind: 'delete',
    messageRef: ids.messageId,
    targetRef: ids.messageId,
    author: { id: 'unknown', name: 'unknown', isPlatformAdmin: false },
    text: '',
    receivedAt: now,
  };
}
