import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './wait-for.ts';

/** A redis-server of a test suite's own, on a free loopback port, that the suite may stop and restart. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Stops the server (SIGKILL when `hard`, else a clean SHUTDOWN). */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port and data directory (AOF replayed when enabled). */
  restart(): Promise<void>;
  /** A new client; the caller closes it. */
  client(): Redis;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function redisServerBinary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether the server on `port` answers PING now (one short-lived connection, no retries). */
async function answersPing(port: number): Promise<boolean> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  await waitFor(
    `redis-server on port ${port} to answer PING`,
    async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      return answersPing(port);
    },
    { timeoutMs: 10_000, intervalMs: 25 },
  );
}

/** Spawns redis-server on a free port with its own data directory; `appendonly` turns on AOF (fsync always). */
export async function startTestRedis(options: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const binary = redisServerBinary();
  if (!binary) throw new Error('redis-server not found: apt-get install -y redis-server');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--daemonize',
      'no',
    ];
    args.push('--appendonly', options.appendonly ? 'yes' : 'no');
    if (options.appendonly) args.push('--appendfsync', 'always');
    child = spawn(binary, args, { stdio: 'ignore' });
    await waitForPing(port, child);
  };

  const stop = async ({ hard = false }: { hard?: boolean } = {}) => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
    child = undefined;
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: launch,
    client: () => new Redis({ port, host: '127.0.0.1' }),
    close: async () => {
      await stop({ hard: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
