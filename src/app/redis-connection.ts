import { Cluster, Redis } from 'ioredis';
import { ParleyError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { RedisSettings } from './redis-settings.ts';

/** A connection to one Redis (a URL or Sentinel-managed) or to a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/** Where each connection was told to go, for error messages (a Cluster keeps its seed nodes private). */
const descriptions = new WeakMap<RedisConnection, string>();

/**
 * Commands that block their connection: never batched with others. BullMQ sends them on connections it duplicates
 * from ours, and a batch waits for its slowest command.
 */
const BLOCKING_COMMANDS = [
  'bzpopmin',
  'bzpopmax',
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'xread',
  'xreadgroup',
];

/** Builds the client the settings ask for; nothing waits for it to connect. */
function createClient(settings: RedisSettings): RedisConnection {
  // maxRetriesPerRequest: null — commands wait for a reconnect instead of failing while Redis restarts.
  // enableAutoPipelining — commands issued in the same tick (by turns of different sessions) go out in one write:
  // a quarter of the socket writes per turn at 50 turns in flight (bench), and less Redis CPU.
  const common = {
    maxRetriesPerRequest: null,
    connectionName: 'parley',
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: BLOCKING_COMMANDS,
  } as const;
  if (settings.mode === 'single') return new Redis(settings.url, common);
  const secure = { password: settings.password, tls: settings.tls ? {} : undefined };
  if (settings.mode === 'sentinel') {
    return new Redis({
      ...common,
      ...secure,
      sentinels: settings.sentinels,
      name: settings.name,
      sentinelPassword: settings.password,
      enableTLSForSentinelMode: settings.tls,
    });
  }
  return new Cluster(settings.nodes, {
    redisOptions: { ...common, ...secure },
    // Let a command wait out a failover (a replica promoted: a few node timeouts) instead of failing the turn:
    // 100 redirections 200–300 ms apart ride out about 20 s of MOVED / CLUSTERDOWN / closed connections.
    clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
    maxRedirections: 100,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
  });
}

/**
 * The process's shared Redis connection for history, usage and the queue's own commands (BullMQ gets a
 * duplicate, `duplicateForQueue`): a URL's server, a Sentinel-managed master, or a Cluster (seed nodes).
 * A restart or failover costs latency, not turns.
 */
export function connectRedis(settings: RedisSettings | string, logger: Logger): RedisConnection {
  const resolved: RedisSettings = typeof settings === 'string' ? { mode: 'single', url: settings } : settings;
  const redis = createClient(resolved);
  if (resolved.mode === 'cluster') {
    descriptions.set(redis, resolved.nodes.map(({ host, port }) => `${host}:${port}`).join(', '));
  }
  let down = false;
  redis.on('error', (error) => {
    if (!down) logger.warn({ err: error }, 'Redis connection lost; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('Redis connection restored');
    down = false;
  });
  return redis;
}

/**
 * A connection of its own for BullMQ, to the same Redis as `redis`, without auto-pipelining. BullMQ defines its
 * ~60 scripts on the connection it is given, and every auto-pipelined batch copies the connection's scripts into
 * a new `Pipeline` (≈1.5 ms of CPU per answer on the Slack path, BENCHMARKS.md); BullMQ's commands are few and
 * its blocking ones may not be batched anyway. The caller closes it (`closeRedis`).
 */
export function duplicateForQueue(redis: RedisConnection): RedisConnection {
  if (redis instanceof Cluster) {
    const { redisOptions } = redis.options;
    return redis.duplicate(undefined, {
      enableAutoPipelining: false,
      redisOptions: { ...redisOptions, enableAutoPipelining: false, connectionName: 'parley-queue' },
    });
  }
  return redis.duplicate({ enableAutoPipelining: false, connectionName: 'parley-queue' });
}

/** Redis could not be reached at start: host, port and cause, in words an operator can act on. */
export class RedisUnreachableError extends ParleyError {
  constructor(where: string, cause: string) {
    super('redis', `cannot connect to Redis at ${where}: ${cause}`);
  }
}

/** `host:port` of a connection (every seed node or sentinel for a cluster or Sentinel), as ioredis was told. */
function addressOf(redis: RedisConnection): string {
  const described = descriptions.get(redis);
  if (described) return described;
  if (redis instanceof Cluster) return 'the cluster seed nodes';
  const { host, port, path, sentinels } = redis.options;
  if (sentinels && sentinels.length > 0) {
    return `sentinels ${sentinels.map((node) => `${node.host}:${node.port}`).join(', ')}`;
  }
  return path ?? `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}

/** The short cause of a connection error (`ECONNREFUSED`, `ENOTFOUND`, `WRONGPASS …`). */
function causeOf(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code.length > 0) return code;
    if (typeof message === 'string' && message.length > 0) return message;
  }
  return String(error);
}

/**
 * Waits until the connection is ready, at most `timeoutMs`. A Redis that cannot be reached at start is
 * reported with where and why instead of every command waiting for it forever (`maxRetriesPerRequest: null`).
 */
export async function waitForRedis(redis: RedisConnection, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  let lastError: unknown;
  const onError = (error: unknown) => {
    lastError = error;
  };
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      timer = setTimeout(() => {
        const cause = lastError === undefined ? `no answer within ${timeoutMs / 1000} s` : causeOf(lastError);
        reject(new RedisUnreachableError(addressOf(redis), cause));
      }, timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
}

/**
 * Closes a connection politely when Redis answers, and drops it otherwise: a QUIT queued behind an outage
 * would wait for the reconnect forever.
 */
export async function closeRedis(redis: RedisConnection, timeoutMs = 1_000): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.quit().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  redis.disconnect();
}
