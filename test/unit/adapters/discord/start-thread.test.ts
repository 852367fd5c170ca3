import { DiscordAPIError, DiscordjsError, DiscordjsErrorCodes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { isExistingThreadError, THREAD_ALREADY_CREATED } from '../../../../adapters/discord/start-thread.ts';

/** A discord.js error as the library throws it (its constructor is not public in the typings). */
const discordjsError = (code: DiscordjsErrorCodes) =>
  new (DiscordjsError as unknown as new (code: DiscordjsErrorCodes) => DiscordjsError)(code);

const apiError = (code: number) =>
  new DiscordAPIError({ code, message: 'refused' }, code, 400, 'POST', '/channels/1/messages/2/threads', {});

describe('isExistingThreadError', () => {
  it('recognises discord.js’s and Discord’s way of saying the message already has a thread', () => {
    expect(isExistingThreadError(discordjsError(DiscordjsErrorCodes.MessageExistingThread))).toBe(true);
    expect(isExistingThreadError(apiError(THREAD_ALREADY_CREATED))).toBe(true);
  });

  it('does not take other failures for an existing thread', () => {
    expect(isExistingThreadError(apiError(50013))).toBe(false);
    expect(isExistingThreadError(discordjsError(DiscordjsErrorCodes.TokenInvalid))).toBe(false);
    expect(isExistingThreadError(new Error('160004'))).toBe(false);
  });
});
