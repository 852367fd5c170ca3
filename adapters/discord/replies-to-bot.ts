import { type Message, MessageReferenceType, MessageType } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import { toPlatformError } from './discord-rest.ts';

/**
 * Whether a message replies to one of the bot's messages. discord.js gives the replied-to author as
 * `mentions.repliedUser`, read from the gateway's `referenced_message` (sent with every reply, Message Content
 * or not, whether or not the reply pings). Only when Discord left it out (`null` also means the message was
 * deleted) is the message fetched; a failed fetch counts as no.
 */
export async function repliesToBot(message: Message, botUserId: string, logger: Logger): Promise<boolean> {
  const reference = message.reference;
  if (message.type !== MessageType.Reply || !reference?.messageId) return false;
  // A forward also carries a reference, but it quotes a message rather than answering it.
  if (reference.type !== undefined && reference.type !== MessageReferenceType.Default) return false;
  const replied = message.mentions.repliedUser;
  if (replied) return replied.id === botUserId;
  try {
    const referenced = await message.fetchReference();
    return referenced.author.id === botUserId;
  } catch (error) {
    logger.debug(
      { err: toPlatformError(error, 'fetching a replied-to message'), messageId: message.id },
      'discord replied-to message not found',
    );
    return false;
  }
}
