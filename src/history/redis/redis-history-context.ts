import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../app/logger.ts';
import type { HistoryScripts } from './history-scripts.ts';
import type { RedisHistoryIndex } from './redis-history-index.ts';
import type { StoredMessageParser } from './stored-message-codec.ts';

/** What the parts of the Redis history store share (built once by `createRedisHistoryStore`). */
export interface RedisHistoryContext {
  /** The store's connection. */
  redis: Redis | Cluster;
  /** Key prefix (see history-keys.ts). */
  prefix: string;
  /** Retention in ms; 0 for none. */
  ttlMs: number;
  /** Current time, ms since epoch. */
  now: () => number;
  /** The store's logger (component `redis-history-store`). */
  logger: Logger;
  /** The session scripts, defined on `redis`. */
  scripts: HistoryScripts;
  /** The session index beside the per-session keys. */
  sessionIndex: RedisHistoryIndex;
  /** Decoder of history entries that skips corrupt ones. */
  parser: StoredMessageParser;
}
