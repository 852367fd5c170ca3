import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { startParleyProcess } from '../helpers/parley-process.ts';
import { freePort, startTestRedis } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** Whether something accepts connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let model: FakeOpenAI;
beforeAll(async () => {
  model = await startFakeOpenAI();
});
afterAll(async () => {
  await model?.close();
});

/** Resolves with the exit code, or 'still running' when the process has not exited within `ms`. */
async function exitWithin(exited: Promise<number>, ms: number): Promise<number | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  const result = await Promise.race([exited, late]);
  clearTimeout(timer);
  return result;
}

describe('stopping and starting without Redis', () => {
  it('SIGTERM while Redis is down ends the process within the shutdown limit', async () => {
    const redis = await startTestRedis();
    const port = await freePort();
    const run = startParleyProcess({
      OPENAI_BASE_URL: model.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'shutdown-e2e',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    try {
      await run.waitForOutput('HTTP server listening');
      await redis.stop({ hard: true });
      await run.waitForOutput('Redis connection lost');
      run.child.kill('SIGTERM');
      // 15 s for turns in flight and 20 s for everything; the test allows a little more for a loaded machine.
      const code = await exitWithin(run.exited, 28_000);
      expect(code === 0 || code === 1, `exit code ${code}\n${run.output()}`).toBe(true);
      expect(run.output()).toContain('shutting down');
    } finally {
      run.child.kill('SIGKILL');
      await redis.close();
    }
  }, 60_000);

  it('a Redis that cannot be reached at start is named with host, port and cause', async () => {
    const deadPort = await freePort();
    const run = startParleyProcess({
      OPENAI_BASE_URL: model.url,
      REDIS_URL: `redis://127.0.0.1:${deadPort}`,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
    });
    try {
      expect(await exitWithin(run.exited, 15_000)).toBe(1);
      expect(run.output()).toContain(`cannot connect to Redis at 127.0.0.1:${deadPort}: ECONNREFUSED`);
      expect(run.output()).not.toMatch(/\n\s+at /);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('the terminal chat says Redis cannot be reached instead of hanging on the first message', async () => {
    const deadPort = await freePort();
    const run = startParleyProcess(
      { OPENAI_BASE_URL: model.url, REDIS_URL: `redis://127.0.0.1:${deadPort}` },
      { args: ['--console', '--session', 'nobody'], stdin: 'pipe' },
    );
    try {
      run.child.stdin?.write('hello\n');
      expect(await exitWithin(run.exited, 15_000)).toBe(1);
      expect(run.output()).toContain(`cannot connect to Redis at 127.0.0.1:${deadPort}: ECONNREFUSED`);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('SIGTERM to `npm start` reaches the application: nothing is left running', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        OPENAI_BASE_URL: model.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    npm.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    try {
      await waitFor('the HTTP server', () => output.includes('HTTP server listening'), { timeoutMs: 30_000 });
      expect(await listening(port)).toBe(true);
      npm.kill('SIGTERM');
      await exited;
      await waitFor(
        () => `port ${port} to close; output:\n${output}`,
        async () => !(await listening(port)),
        {
          timeoutMs: 25_000,
        },
      );
      expect(output).toContain('shutting down');
    } finally {
      npm.kill('SIGKILL');
    }
  }, 60_000);
});
