import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { startParleyProcess } from '../helpers/parley-process.ts';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait-for.ts';

let model: FakeOpenAI;
let redis: TestRedis;
beforeAll(async () => {
  model = await startFakeOpenAI();
  redis = await startTestRedis();
});
afterAll(async () => {
  await model?.close();
  await redis?.close();
});

const start = (env: Record<string, string>) => startParleyProcess(env);

/** `/healthz` of the process on `port`, as a probe sees it. */
const health = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });

/** Waits until the process answers /healthz with 200 (ready; until then it may not even listen). */
async function waitForHealth(port: number): Promise<Response> {
  let last = 'no answer';
  return waitFor(
    () => `/healthz on port ${port} to answer 200 (last: ${last})`,
    async () => {
      try {
        const response = await health(port);
        last = `HTTP ${response.status}`;
        return response.status === 200 ? response : undefined;
      } catch (error) {
        last = String(error);
        return undefined;
      }
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

describe('the parley process', () => {
  it('exits non-zero with a message naming the variable on a config error', async () => {
    const run = start({ OPENAI_API_KEY: 'sk-test', MAX_REPLY_TOKENS: 'lots' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('Configuration error: MAX_REPLY_TOKENS is invalid');
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('explains the model choices when no model is configured', async () => {
    const run = start({});
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('No model is configured');
    expect(run.output()).toContain('Ollama');
  });

  it('serves /healthz with Redis and queue state, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const run = start({
      OPENAI_BASE_URL: model.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'process-e2e',
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    try {
      const response = await waitForHealth(port);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'ok',
        redis: 'ready',
        pendingTurns: 0,
        role: 'all',
      });
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const text = await metrics.text();
      expect(text).toContain('parley_queue_depth 0');
      expect(text).toContain('# TYPE parley_turns_total counter');
      expect(text).toContain('# TYPE parley_model_latency_seconds histogram');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('shutting down');
  }, 60_000);

  it('reports 503 while Redis is down and recovers when it is back', async () => {
    const own = await startTestRedis();
    const port = await freePort();
    const run = start({
      OPENAI_BASE_URL: model.url,
      REDIS_URL: own.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      PARLEY_ROLE: 'worker',
    });
    try {
      expect((await waitForHealth(port)).status).toBe(200);
      await own.stop({ hard: true });
      const down = await waitFor(
        '/healthz to stop answering 200',
        async () => {
          const { status } = await health(port);
          return status === 200 ? undefined : status;
        },
        { timeoutMs: 5_000, intervalMs: 50 },
      );
      expect(down).toBe(503);
      await own.restart();
      const back = await waitFor(
        '/healthz to answer 200 again',
        async () => {
          const { status } = await health(port);
          return status === 200 ? status : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(back).toBe(200);
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
      await own.close();
    }
  }, 90_000);
});
