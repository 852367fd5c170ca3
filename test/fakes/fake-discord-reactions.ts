import { type FakeUser, makeMember } from './fake-discord-payloads.ts';

/** Input of `sendReactionAdd` / `sendReactionRemove`: someone's reaction to a message. */
export interface ReactionInput {
  /** The message reacted to (the bot's, or one sent with `sendMessageCreate`). */
  messageId: string;
  /** The emoji as Discord names a standard one: the character itself, e.g. `👍`. */
  emoji: string;
  /** Who reacts; default Alice. */
  user?: FakeUser;
}

/** Where a reacted-to message is, and who wrote it. */
export interface ReactedMessage {
  id: string;
  channelId: string;
  guildId: string | undefined;
  authorId: string;
}

/**
 * The `d` of MESSAGE_REACTION_ADD as Discord sends it (API v10): ids, the emoji (`id` null for a standard one),
 * in guilds `guild_id` and the reacting `member` with its user, and the message's author.
 */
export function reactionAddPayload(message: ReactedMessage, user: FakeUser, emoji: string) {
  return {
    user_id: user.id,
    type: 0,
    message_id: message.id,
    message_author_id: message.authorId,
    channel_id: message.channelId,
    ...(message.guildId ? { guild_id: message.guildId, member: { ...makeMember(), user } } : {}),
    emoji: { id: null, name: emoji },
    burst: false,
    burst_colors: [],
  };
}

/** The `d` of MESSAGE_REACTION_REMOVE: no member and no author, as Discord sends it. */
export function reactionRemovePayload(message: ReactedMessage, user: FakeUser, emoji: string) {
  return {
    user_id: user.id,
    type: 0,
    message_id: message.id,
    channel_id: message.channelId,
    ...(message.guildId ? { guild_id: message.guildId } : {}),
    emoji: { id: null, name: emoji },
    burst: false,
  };
}
