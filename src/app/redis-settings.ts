/** How to reach Redis: one server by URL, a Cluster by its seed nodes, or a Sentinel-managed master. */
import type { Environment } from './config.ts';
import { ConfigError } from './errors.ts';

/** A Redis node address. */
export interface HostPort {
  host: string;
  port: number;
}

/** How to reach Redis. Cluster and Sentinel take their password and TLS from REDIS_PASSWORD / REDIS_TLS. */
export type RedisSettings =
  | { mode: 'single'; url: string }
  | { mode: 'cluster'; nodes: HostPort[]; password: string | undefined; tls: boolean }
  | { mode: 'sentinel'; sentinels: HostPort[]; name: string; password: string | undefined; tls: boolean };

/** Which way to reach Redis the environment asks for (at most one), or undefined for the in-memory default. */
export function redisSettings(e: Environment): RedisSettings | undefined {
  const chosen = [
    e.REDIS_URL && 'REDIS_URL',
    e.REDIS_CLUSTER_NODES.length > 0 && 'REDIS_CLUSTER_NODES',
    e.REDIS_SENTINELS.length > 0 && 'REDIS_SENTINELS',
  ].filter((name): name is string => typeof name === 'string');
  if (chosen.length > 1) {
    throw new ConfigError(
      `${chosen.join(' and ')} are both set — choose one way to reach Redis.`,
      chosen[1]!,
    );
  }
  const secure = { password: e.REDIS_PASSWORD, tls: e.REDIS_TLS };
  if (e.REDIS_URL) return { mode: 'single', url: e.REDIS_URL };
  if (e.REDIS_CLUSTER_NODES.length > 0) return { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES, ...secure };
  if (e.REDIS_SENTINELS.length === 0) return undefined;
  if (!e.REDIS_SENTINEL_NAME) {
    throw new ConfigError(
      'REDIS_SENTINEL_NAME is missing: with REDIS_SENTINELS set, name the master the sentinels watch (e.g. mymaster).',
      'REDIS_SENTINEL_NAME',
    );
  }
  return { mode: 'sentinel', sentinels: e.REDIS_SENTINELS, name: e.REDIS_SENTINEL_NAME, ...secure };
}
