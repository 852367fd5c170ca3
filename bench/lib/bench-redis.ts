import type { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import { killOnExit } from './kill-on-exit.ts';

/** A redis-server of the benchmark's own (free loopback port, no persistence) with the probes it needs. */
export interface BenchRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** A shared client for probes and producers; closed by `close()`. */
  client: Redis;
  /** A new client; the caller closes it. */
  newClient(): Redis;
  /** CPU time the server has used so far (user + system), in ms, from `INFO cpu`. */
  cpuMs(): Promise<number>;
  /** `used_memory` from `INFO memory`, in bytes. */
  usedMemory(): Promise<number>;
  /** Deletes every key (between scenarios). */
  flush(): Promise<void>;
  /** `redis-server --version` style string of the running server. */
  version(): Promise<string>;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

/** Parses an `INFO` reply into field → value. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** Spawns redis-server on a free port (never 6379) via the test helper. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const server: TestRedis = await startTestRedis();
  const client = server.client();
  const info = async (section: string) => parseInfo(await client.info(section));
  const forget = killOnExit(Number((await info('server')).process_id));
  return {
    url: server.url,
    client,
    newClient: () => server.client(),
    async cpuMs() {
      const fields = await info('cpu');
      return (Number(fields.used_cpu_user) + Number(fields.used_cpu_sys)) * 1000;
    },
    async usedMemory() {
      return Number((await info('memory')).used_memory);
    },
    async flush() {
      await client.flushall();
    },
    async version() {
      return (await info('server')).redis_version ?? 'unknown';
    },
    async close() {
      client.disconnect();
      await server.close();
      forget();
    },
  };
}
