import { DiscordjsError, DiscordjsErrorCodes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { loginError } from '../../../../adapters/discord/connect-discord.ts';
import { PlatformError } from '../../../../src/app/errors.ts';

/** A discord.js error as the library throws it (its constructor is not public in the typings). */
const discordjsError = (code: DiscordjsErrorCodes) =>
  new (DiscordjsError as unknown as new (code: DiscordjsErrorCodes) => DiscordjsError)(code);

describe('loginError', () => {
  it('says how to fix a rejected token, and that retrying will not help', () => {
    const cause = discordjsError(DiscordjsErrorCodes.TokenInvalid);
    const error = loginError(cause);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.message).toContain('DISCORD_TOKEN');
    expect(error.isRetryable).toBe(false);
    expect(error.cause).toBe(cause);
  });

  it('treats anything else (a timeout, a dropped gateway) as retryable and keeps its reason', () => {
    const error = loginError(new Error('The operation was aborted'));
    expect(error.message).toBe('Discord gateway not ready: The operation was aborted');
    expect(error.isRetryable).toBe(true);
    expect(loginError('odd').message).toBe('Discord gateway not ready: odd');
  });
});
