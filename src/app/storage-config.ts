/** The storage settings the `parley` CLI reads, and nothing else (no model, no platforms). */
import { schema } from './config-schema.ts';
import { ConfigError } from './errors.ts';

/** What the `parley` CLI needs: only the storage settings (no model, no platforms). */
export interface StorageConfig {
  /** Redis URL (the CLI requires it). */
  redisUrl: string;
  /** Prefix of every Redis key. */
  redisPrefix: string;
  /** Retention in days, if set. */
  historyTtlDays: number | undefined;
}

/** Parses the storage settings for the `parley` CLI; throws `ConfigError` naming the variable. */
export function loadStorageConfig(env: Record<string, string | undefined> = process.env): StorageConfig {
  const parsed = schema.pick({ REDIS_URL: true, REDIS_PREFIX: true, HISTORY_TTL_DAYS: true }).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? '');
    throw new ConfigError(`${variable} is invalid (${issue.message}).`, variable);
  }
  if (!parsed.data.REDIS_URL) {
    throw new ConfigError(
      'REDIS_URL is not set: the parley CLI works on the conversations stored in Redis (e.g. REDIS_URL=redis://localhost:6379).',
      'REDIS_URL',
    );
  }
  return {
    redisUrl: parsed.data.REDIS_URL,
    redisPrefix: parsed.data.REDIS_PREFIX,
    historyTtlDays: parsed.data.HISTORY_TTL_DAYS,
  };
}
