import {
  type APIActionRowComponent,
  type APIAllowedMentions,
  type APIComponentInMessageActionRow,
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

/** Rows of components (buttons) a message carries. */
export type MessageComponents = APIActionRowComponent<APIComponentInMessageActionRow>[];

/**
 * The components a write of a reply message carries: `[]` removes them, undefined leaves them as they are.
 * `at` is the index of a message being posted, or the message being edited.
 */
export type ComponentsFor = (at: number | PostedMessage) => MessageComponents | undefined;

/**
 * Posts and edits a reply's messages over REST. The first message answers the question (a message reference)
 * where there is one; `componentsFor` adds buttons to a write (the Stop button while streaming). Errors are
 * thrown as they come (the reply stream wraps them).
 */
export function createDiscordMessageDriver(
  rest: REST,
  target: ReplyTarget,
  componentsFor: ComponentsFor = () => undefined,
): ReplyMessageDriver {
  const channelId = target.channelId;
  return {
    async post(content, index) {
      const body: RESTPostAPIChannelMessageJSONBody = { content, allowed_mentions: allowedMentions() };
      const components = componentsFor(index);
      if (components) body.components = components;
      if (index === 0 && target.replyToMessageId) {
        // Still post when the question was deleted meanwhile.
        body.message_reference = { message_id: target.replyToMessageId, fail_if_not_exists: false };
      }
      const message = (await rest.post(Routes.channelMessages(channelId), { body })) as { id: string };
      return { channelId, messageId: message.id };
    },
    async edit(message: PostedMessage, content: string) {
      const body: RESTPatchAPIChannelMessageJSONBody = { content, allowed_mentions: allowedMentions() };
      const components = componentsFor(message);
      if (components) body.components = components;
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
