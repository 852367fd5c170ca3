import { once } from 'node:events';
import { type Client, DiscordjsError, DiscordjsErrorCodes, Events } from 'discord.js';
import { PlatformError } from '../../src/app/errors.ts';

/**
 * Logs in and waits for the gateway to be ready, at most `readyTimeoutMs`. On failure the client is destroyed
 * and a `PlatformError` says what to do (see `loginError`).
 */
export async function connectDiscord(client: Client, token: string, readyTimeoutMs: number): Promise<void> {
  const controller = new AbortController();
  const ready = once(client, Events.ClientReady, { signal: controller.signal });
  ready.catch(() => {});
  const timer = setTimeout(() => controller.abort(), readyTimeoutMs);
  try {
    await client.login(token);
    await ready;
  } catch (error) {
    await client.destroy();
    throw loginError(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Why the gateway did not come up: a rejected token (not retryable, with the fix) or anything else (retryable). */
export function loginError(error: unknown): PlatformError {
  const invalidToken = error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid;
  return new PlatformError(
    'discord',
    invalidToken
      ? 'Discord rejected DISCORD_TOKEN — copy the bot token again from the Developer Portal (Bot → Reset Token).'
      : `Discord gateway not ready: ${error instanceof Error ? error.message : String(error)}`,
    { isRetryable: !invalidToken, cause: error },
  );
}
