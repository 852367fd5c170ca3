import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createMemoryStopSignals,
  createRedisStopSignals,
  StopRequested,
  type StopSignals,
} from '../../src/turn/stop-signals.ts';
import { useTestRedis } from '../helpers/use-test-redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** What every `StopSignals` promises; `pair` gives the ingress side and the worker side of one deployment. */
function stopSignalsContract(pair: () => Promise<{ ingress: StopSignals; worker: StopSignals }>) {
  it('aborts the watched turn, and only it', async () => {
    const { ingress, worker } = await pair();
    const watched = worker.watch('C1:1.1');
    const other = worker.watch('C1:2.2');
    await ingress.request('C1:1.1');
    await waitFor('the stop', () => watched.signal.aborted);
    expect(watched.signal.reason).toBeInstanceOf(StopRequested);
    expect(other.signal.aborted).toBe(false);
    watched.done();
    other.done();
    await Promise.all([ingress.close(), worker.close()]);
  });

  it('is not heard by a watch that ended or began later', async () => {
    const { ingress, worker } = await pair();
    const ended = worker.watch('C1:3.3');
    ended.done();
    const marker = worker.watch('C1:4.4');
    await ingress.request('C1:3.3');
    await ingress.request('C1:4.4');
    // Requests arrive in order: once the marker's is heard, the earlier one has been delivered too.
    await waitFor('the marker stop', () => marker.signal.aborted);
    const later = worker.watch('C1:3.3');
    expect(ended.signal.aborted).toBe(false);
    expect(later.signal.aborted).toBe(false);
    later.done();
    marker.done();
    await Promise.all([ingress.close(), worker.close()]);
  });
}

describe('in-process stop signals', () => {
  stopSignalsContract(async () => {
    const signals = createMemoryStopSignals();
    return { ingress: signals, worker: signals };
  });
});

describe('Redis stop signals (a spawned redis-server; ingress and worker as two processes)', () => {
  const redis = useTestRedis();
  stopSignalsContract(async () => {
    const prefix = `stop-${randomUUID()}`;
    const side = () => {
      const signals = createRedisStopSignals({
        redis: redis.client,
        subscriber: redis.server.client(),
        prefix,
      });
      return signals;
    };
    const worker = side();
    const ingress = side();
    // SUBSCRIBE is asynchronous: wait until the worker's subscription is live before publishing.
    await waitFor(
      'the subscription',
      async () => (await redis.client.pubsub('NUMSUB', `${prefix}:stop`))[1] === 2,
    );
    return { ingress, worker };
  });
});
