import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ownCpuMs } from '../lib/process-cpu.ts';
import { openLoop } from './open-loop.ts';
import { countTraffic, type RedisTraffic } from './redis-traffic.ts';

/** Options of the plain BullMQ reference runs. */
export interface RawQueueOptions {
  /** Redis URL. */
  redisUrl: string;
  /** Key prefix of the reference queue. */
  prefix: string;
  /** Worker concurrency. */
  concurrency: number;
}

/** Result of draining pre-added no-op jobs. */
export interface RawDrainResult {
  /** Jobs completed. */
  jobs: number;
  /** From `new Worker` to the last completion, ms. */
  elapsedMs: number;
  /** This process's CPU over that time, ms. */
  cpuMs: number;
  /** Commands and socket writes of the worker's connection. */
  redis: RedisTraffic;
}

/** The queue name of the reference; jobs are added by the caller to `<prefix>` / `raw`. */
export const RAW_QUEUE = 'raw';

function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/**
 * The raw reference for throughput: a plain `Worker` whose processor does nothing (or sleeps `sleepMs`),
 * draining `jobs` already waiting in the queue, at the given concurrency.
 */
export async function rawDrain(
  options: RawQueueOptions & { jobs: number; sleepMs?: number },
): Promise<RawDrainResult> {
  const redis = connect(options.redisUrl);
  const traffic = countTraffic(redis);
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const sleepMs = options.sleepMs ?? 0;
  const cpuBefore = ownCpuMs();
  const started = performance.now();
  let lastAt = started;
  const worker = new Worker(
    RAW_QUEUE,
    async () => {
      if (sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, sleepMs));
    },
    { connection: redis, prefix: options.prefix, concurrency: options.concurrency },
  );
  worker.on('completed', () => {
    done++;
    if (done === options.jobs) {
      lastAt = performance.now();
      finish();
    }
  });
  await finished;
  const cpuMs = ownCpuMs() - cpuBefore;
  await worker.close();
  await redis.quit();
  return { jobs: done, elapsedMs: lastAt - started, cpuMs, redis: { ...traffic } };
}

/**
 * The raw reference for latency: `Queue.add` at a steady open-loop rate in this process, a no-op `Worker`
 * in the same process, latency = start of `add` → start of processing.
 */
export async function rawLatency(
  options: RawQueueOptions & { ratePerSecond: number; jobs: number },
): Promise<number[]> {
  const redis = connect(options.redisUrl);
  const latencies: number[] = [];
  const addedAt = new Map<string, number>();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const queue = new Queue(`${RAW_QUEUE}-latency`, { connection: redis, prefix: options.prefix });
  const worker = new Worker(
    `${RAW_QUEUE}-latency`,
    async (job) => {
      const started = addedAt.get(job.data.key as string);
      if (started !== undefined) latencies.push(performance.now() - started);
      if (latencies.length === options.jobs) finish();
    },
    { connection: redis, prefix: options.prefix, concurrency: options.concurrency },
  );
  await worker.waitUntilReady();
  await openLoop(options.ratePerSecond, options.jobs, async (index) => {
    const key = String(index);
    addedAt.set(key, performance.now());
    await queue.add('noop', { key }, { removeOnComplete: true, removeOnFail: true });
  });
  await finished;
  await worker.close();
  await queue.close();
  await redis.quit();
  return latencies;
}
