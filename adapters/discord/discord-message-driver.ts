import {
  type APIAllowedMentions,
  type REST,
  type RESTPatchAPIChannelMessageJSONBody,
  type RESTPostAPIChannelMessageJSONBody,
  Routes,
} from 'discord.js';
import type { PostedMessage } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import type { ReplyMessageDriver } from '../shared/reply-messages.ts';
import { isUnknownMessage } from './discord-rest.ts';

/**
 * A reply never pings anyone: model output could contain `@everyone`, role or user mentions. Only the first
 * message, a reply to the question, may notify its author, and we choose not to (the asker is watching).
 */
function allowedMentions(): APIAllowedMentions {
  return { parse: [], replied_user: false };
}

/**
 * Posts and edits a reply's messages over REST. The first message answers the question (a message reference)
 * where there is one; errors are thrown as they come (the reply stream wraps them).
 */
export function createDiscordMessageDriver(rest: REST, target: ReplyTarget): ReplyMessageDriver {
  const channelId = target.channelId;
  return {
    async post(content, index) {
      const body: RESTPostAPIChannelMessageJSONBody = { content, allowed_mentions: allowedMentions() };
      if (index === 0 && target.replyToMessageId) {
        // Still post when the question was deleted meanwhile.
        body.message_reference = { message_id: target.replyToMessageId, fail_if_not_exists: false };
      }
      const message = (await rest.post(Routes.channelMessages(channelId), { body })) as { id: string };
      return { channelId, messageId: message.id };
    },
    async edit(message: PostedMessage, content: string) {
      const body: RESTPatchAPIChannelMessageJSONBody = { content, allowed_mentions: allowedMentions() };
      try {
        await rest.patch(Routes.channelMessage(message.channelId, message.messageId), { body });
        return true;
      } catch (error) {
        // Someone deleted it: post it again rather than fail the turn.
        if (!isUnknownMessage(error)) throw error;
        return false;
      }
    },
  };
}
