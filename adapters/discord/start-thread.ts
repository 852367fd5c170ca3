import {
  DiscordAPIError,
  DiscordjsError,
  DiscordjsErrorCodes,
  type Message,
  ThreadAutoArchiveDuration,
} from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import { toPlatformError } from './discord-rest.ts';
import { threadName } from './to-turn.ts';

/** Discord error code: a thread was already started on this message. */
export const THREAD_ALREADY_CREATED = 160004;

/** Whether starting a thread failed because the message already has one (discord.js or Discord said so). */
export function isExistingThreadError(error: unknown): boolean {
  return (
    (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.MessageExistingThread) ||
    (error instanceof DiscordAPIError && error.code === THREAD_ALREADY_CREATED)
  );
}

/** Starts a thread on the message and returns its id, or undefined to answer in the channel instead. */
export async function startThread(
  message: Message<true>,
  text: string,
  logger: Logger,
): Promise<string | undefined> {
  try {
    const thread = await message.startThread({
      name: threadName(text),
      autoArchiveDuration: ThreadAutoArchiveDuration.OneDay,
    });
    return thread.id;
  } catch (error) {
    // A thread started on a message has the message's id: a redelivered message finds its thread again.
    if (isExistingThreadError(error)) return message.id;
    // Wrapped: a raw DiscordAPIError would log its request body, i.e. the thread name taken from the question.
    logger.warn(
      { err: toPlatformError(error, 'starting a thread'), channelId: message.channelId },
      'discord thread not started; answering in channel',
    );
    return undefined;
  }
}
