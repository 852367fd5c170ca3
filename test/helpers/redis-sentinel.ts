import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, redisServerBinary, startTestRedis, type TestRedis } from './redis-server.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);

/** A Redis master watched by a Sentinel of a test suite's own (`redis-server <conf> --sentinel`). */
export interface TestRedisSentinel {
  /** The master. */
  master: TestRedis;
  /** `127.0.0.1:<port>` of the sentinel, as `REDIS_SENTINELS` takes it. */
  sentinels: string;
  /** The name the sentinel knows the master by (`REDIS_SENTINEL_NAME`). */
  name: string;
  /** Stops the sentinel and the master. */
  close(): Promise<void>;
}

/** Starts a master and one sentinel monitoring it, and waits until the sentinel reports the master. */
export async function startTestRedisSentinel(): Promise<TestRedisSentinel> {
  const binary = redisServerBinary();
  if (!binary) throw new Error('redis-server not found: apt-get install -y redis-server');
  const master = await startTestRedis();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-sentinel-'));
  const name = 'parley-master';
  const config = join(dir, 'sentinel.conf');
  // A sentinel rewrites its configuration file, so it gets one of its own.
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
    ].join('\n'),
  );
  const sentinel: ChildProcess = spawn(binary, [config, '--sentinel'], { stdio: 'ignore' });
  await waitFor(
    'the sentinel to know its master',
    async () => {
      const { stdout } = await run('redis-cli', [
        '-p',
        String(port),
        'sentinel',
        'get-master-addr-by-name',
        name,
      ]).catch(() => ({ stdout: '' }));
      return stdout.includes(String(master.port));
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  return {
    master,
    sentinels: `127.0.0.1:${port}`,
    name,
    async close() {
      if (sentinel.exitCode === null && sentinel.signalCode === null) {
        const exited = new Promise((resolve) => sentinel.once('exit', resolve));
        sentinel.kill('SIGKILL');
        await exited;
      }
      await master.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
