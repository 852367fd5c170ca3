/**
 * Builds the operator page's routes from a process's parts: the Redis readers when the pipeline runs on Redis,
 * the in-process ones on the embedded default. No routes when `ADMIN_TOKEN` is unset (the page is off).
 */
import type { Config } from '../app/config.ts';
import type { Logger } from '../app/logger.ts';
import type { WorkerPipeline } from '../app/worker-pipeline.ts';
import { retentionMs } from '../history/history-arguments.ts';
import type { HttpRoute } from '../turn/platform-ingress.ts';
import { readsDayCounters } from '../usage/day-counters.ts';
import { createAdminRoutes } from './admin-routes.ts';
import type { AdminSources } from './admin-snapshot.ts';
import { createRedisConversationPage, createStoreConversationPage } from './conversation-page.ts';
import { createRedisUsageOverview } from './redis-usage-overview.ts';
import { createMemoryUsageOverview } from './usage-overview.ts';

/** Where the page reads from in this process. */
export function adminSources(config: Config, pipeline: WorkerPipeline): AdminSources {
  const { redis, store, ledger, queue, metrics } = pipeline;
  const about = { storage: redis ? 'redis' : 'memory', role: config.role, startedAt: Date.now() } as const;
  const pendingCount = () => queue.pendingCount();
  if (redis) {
    const prefix = config.redisPrefix;
    const ttlMs = retentionMs({ historyTtlDays: config.historyTtlDays });
    return {
      usage: createRedisUsageOverview({ redis, prefix }),
      conversations: createRedisConversationPage({ store, redis, prefix, ttlMs }),
      pendingCount,
      registry: metrics.registry,
      about,
    };
  }
  if (!readsDayCounters(ledger)) throw new Error('the in-memory usage ledger must expose its days');
  return {
    usage: createMemoryUsageOverview((day) => ledger.dayCounters(day)),
    conversations: createStoreConversationPage(store),
    pendingCount,
    registry: metrics.registry,
    about,
  };
}

/** The page's routes, or none when `ADMIN_TOKEN` is unset. */
export function adminRoutes(config: Config, pipeline: WorkerPipeline, logger: Logger): HttpRoute[] {
  if (!config.admin.token) return [];
  return createAdminRoutes({ token: config.admin.token, sources: adminSources(config, pipeline), logger });
}
