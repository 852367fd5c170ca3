import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ConfirmAnswers,
  createMemoryConfirmAnswers,
  createRedisConfirmAnswers,
} from '../../../src/tools/confirm-answers.ts';
import { useTestRedis } from '../../helpers/use-test-redis.ts';

/** What every `ConfirmAnswers` promises; `pair` gives the ingress side and the worker side of one deployment. */
function confirmAnswersContract(pair: () => Promise<{ ingress: ConfirmAnswers; worker: ConfirmAnswers }>) {
  it('hands an answer given while the worker waits to that wait, and only to it', async () => {
    const { ingress, worker } = await pair();
    const waiting = worker.wait('q1', { timeoutMs: 10_000 });
    const other = worker.wait('q2', { timeoutMs: 300 });
    // Give the wait time to start listening before the click.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await ingress.answer('q1', { approved: true, by: 'Ada' });
    expect(await waiting).toEqual({ approved: true, by: 'Ada' });
    expect(await other).toBeUndefined();
    await Promise.all([ingress.close(), worker.close()]);
  });

  it('keeps an answer given before the worker started waiting', async () => {
    const { ingress, worker } = await pair();
    await ingress.answer('early', { approved: false, by: 'Bob' });
    expect(await worker.wait('early', { timeoutMs: 5_000 })).toEqual({ approved: false, by: 'Bob' });
    await Promise.all([ingress.close(), worker.close()]);
  });

  it('lets the first answer stand against a later click', async () => {
    const { ingress, worker } = await pair();
    expect(await ingress.answer('twice', { approved: true, by: 'Ada' })).toEqual({
      approved: true,
      by: 'Ada',
    });
    expect(await ingress.answer('twice', { approved: false, by: 'Ada' })).toEqual({
      approved: true,
      by: 'Ada',
    });
    expect(await worker.wait('twice', { timeoutMs: 5_000 })).toEqual({ approved: true, by: 'Ada' });
    await Promise.all([ingress.close(), worker.close()]);
  });

  it('gives up at the timeout or when the signal aborts', async () => {
    const { ingress, worker } = await pair();
    expect(await worker.wait('never', { timeoutMs: 100 })).toBeUndefined();
    const controller = new AbortController();
    const aborted = worker.wait('never', { timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    expect(await aborted).toBeUndefined();
    await Promise.all([ingress.close(), worker.close()]);
  });
}

describe('in-process confirmation answers', () => {
  confirmAnswersContract(async () => {
    const answers = createMemoryConfirmAnswers();
    return { ingress: answers, worker: answers };
  });
});

describe('Redis confirmation answers (a spawned redis-server; ingress and worker with their own connections)', () => {
  const redis = useTestRedis();
  confirmAnswersContract(async () => {
    const prefix = `confirm-${randomUUID()}`;
    const side = () =>
      createRedisConfirmAnswers({
        redis: redis.client,
        subscriber: redis.server.client(),
        prefix,
      });
    return { ingress: side(), worker: side() };
  });

  it('stores the answer under the prefix with its own hash tag and a TTL', async () => {
    const prefix = `confirm-${randomUUID()}`;
    const answers = createRedisConfirmAnswers({
      redis: redis.client,
      subscriber: redis.server.client(),
      prefix,
    });
    await answers.answer('tagged', { approved: true, by: 'Ada' });
    const key = `${prefix}:{confirm:tagged}:answer`;
    expect(JSON.parse((await redis.client.get(key)) ?? 'null')).toEqual({ approved: true, by: 'Ada' });
    expect(await redis.client.pttl(key)).toBeGreaterThan(0);
    await answers.close();
  });
});
