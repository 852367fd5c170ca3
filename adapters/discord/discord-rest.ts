import { createRequire } from 'node:module';
import { DiscordAPIError, HTTPError, RateLimitError, REST, type RESTOptions, Routes } from 'discord.js';
import { PlatformError } from '../../src/app/errors.ts';
import type { PostedMessage } from '../../src/turn/reply-channel.ts';

/** Discord's REST base when DISCORD_API_URL is not set. */
export const DEFAULT_DISCORD_API_URL = 'https://discord.com/api';

/** The REST base as @discordjs/rest wants it: no trailing slash (it appends `/v10/...`). */
export function restApiBase(apiUrl: string | undefined): string {
  return (apiUrl ?? DEFAULT_DISCORD_API_URL).replace(/\/+$/, '');
}

/**
 * An HTTP agent from the undici that @discordjs/rest itself uses. Without one it sends through the
 * process-wide dispatcher, which another library (Slack's Socket Mode client, on a newer undici) may have
 * replaced — and multipart uploads (`/export` files) then fail inside the mismatched dispatcher.
 */
function restAgent(): RESTOptions['agent'] {
  try {
    const fromRest = createRequire(createRequire(import.meta.url).resolve('@discordjs/rest'));
    const { Agent } = fromRest('undici') as { Agent: new () => NonNullable<RESTOptions['agent']> };
    return new Agent();
  } catch {
    // An install layout without a resolvable copy: fall back to the library's default.
    return null;
  }
}

/** Tuning of the REST client; the defaults suit production. */
export interface DiscordRestOptions {
  /** Longest rate-limit wait (ms) to sit out; a longer one fails the call as retryable. Default 10 s. */
  maxRateLimitWaitMs?: number;
  /** Attempts after a 5xx or a dropped connection. Default 3. */
  retries?: number;
  /** Timeout of one HTTP request (ms). Default 15 s. */
  timeoutMs?: number;
}

/**
 * A REST client on `apiUrl`. Rate limits (429 with `retry-after`, and the bucket headers) are waited out by
 * @discordjs/rest itself; waits longer than `maxRateLimitWaitMs` are turned into errors so a worker never
 * sleeps for minutes inside one turn.
 */
export function createDiscordRest(
  token: string,
  apiUrl: string | undefined,
  options: DiscordRestOptions = {},
) {
  const maxWait = options.maxRateLimitWaitMs ?? 10_000;
  const restOptions: Partial<RESTOptions> = {
    api: restApiBase(apiUrl),
    retries: options.retries ?? 3,
    timeout: options.timeoutMs ?? 15_000,
    rejectOnRateLimit: (rateLimit) => rateLimit.retryAfter > maxWait,
    agent: restAgent(),
  };
  return new REST(restOptions).setToken(token);
}

/** Discord JSON error code for "Unknown Message" (deleted, or never existed). */
export const UNKNOWN_MESSAGE = 10008;

/** Whether `error` is Discord saying the message does not exist (any more). */
export function isUnknownMessage(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === UNKNOWN_MESSAGE;
}

/**
 * Deletes messages the bot posted, one by one in order; one already gone (10008 Unknown Message) is skipped.
 * Any other failure stops there, as a retryable or not `PlatformError`.
 */
export async function deleteMessages(rest: REST, posted: readonly PostedMessage[]): Promise<void> {
  for (const message of posted) {
    try {
      await rest.delete(Routes.channelMessage(message.channelId, message.messageId));
    } catch (error) {
      if (!isUnknownMessage(error)) throw toPlatformError(error, 'deleting a reply');
    }
  }
}

/**
 * Wraps a REST failure as `PlatformError('discord')`: 429, 5xx, timeouts and network failures are retryable; a
 * rate limit longer than the REST client sits out (`RateLimitError`) says how long to wait (`retryAfterSeconds`).
 */
export function toPlatformError(error: unknown, action: string): PlatformError {
  if (error instanceof PlatformError) return error;
  if (error instanceof DiscordAPIError) {
    const retryable = error.status === 408 || error.status === 429 || error.status >= 500;
    return new PlatformError('discord', `${action} failed: HTTP ${error.status}, code ${error.code}`, {
      isRetryable: retryable,
      cause: error,
    });
  }
  if (error instanceof HTTPError) {
    return new PlatformError('discord', `${action} failed: HTTP ${error.status}`, {
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof RateLimitError) {
    // discord.js gives the wait in milliseconds; the queue's backoff reads seconds.
    return new PlatformError('discord', `${action} rate limited for ${error.retryAfter} ms`, {
      isRetryable: true,
      retryAfterSeconds: Number.isFinite(error.retryAfter) ? Math.max(0, error.retryAfter) / 1000 : undefined,
      cause: error,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new PlatformError('discord', `${action} failed: ${reason}`, { isRetryable: true, cause: error });
}
