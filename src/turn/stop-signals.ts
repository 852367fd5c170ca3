/**
 * "Stop" for an answer being written: the click reaches an ingress, while the model call runs in a worker —
 * in the same process (embedded mode: an in-process emitter) or another one (durable mode: Redis pub/sub).
 * A stop is keyed by the turn's id; a stop for a turn that is not running (finished, or not started yet) is
 * simply not heard, since a later run must not be stopped by an old click.
 */
import { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';

/** Where stop requests are published and heard. */
export interface StopSignals {
  /** Asks the worker running turn `turnId` to stop it; resolves once the request is published. */
  request(turnId: string): Promise<void>;
  /** An AbortSignal that aborts when turn `turnId` is asked to stop, and a function ending the watch. */
  watch(turnId: string): { signal: AbortSignal; done(): void };
  /** Stops listening (the Redis subscriber connection is closed). */
  close(): Promise<void>;
}

/** The reason a stopped model call carries. */
export class StopRequested extends Error {
  constructor(turnId: string) {
    super(`stop requested for turn ${turnId}`);
    this.name = 'StopRequested';
  }
}

/** Watches built on any emitter of turn ids. */
function watchOn(emitter: EventEmitter): StopSignals['watch'] {
  return (turnId) => {
    const controller = new AbortController();
    const onStop = () => controller.abort(new StopRequested(turnId));
    emitter.on(turnId, onStop);
    return { signal: controller.signal, done: () => emitter.off(turnId, onStop) };
  };
}

/** Stop signals within one process (the embedded mode: ingress and worker together). */
export function createMemoryStopSignals(): StopSignals {
  const emitter = new EventEmitter().setMaxListeners(0);
  return {
    async request(turnId) {
      emitter.emit(turnId);
    },
    watch: watchOn(emitter),
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** Options of `createRedisStopSignals`. */
export interface RedisStopSignalsOptions {
  /** The shared connection (publishing). */
  redis: Redis | Cluster;
  /** A connection of its own for SUBSCRIBE (a subscribed connection can do nothing else); closed by `close`. */
  subscriber: Redis | Cluster;
  /** Key prefix; the channel is `<prefix>:stop`. */
  prefix?: string;
}

/** Stop signals across processes: ingress PUBLISHes the turn id, every worker hears it and stops its own run. */
export function createRedisStopSignals(options: RedisStopSignalsOptions): StopSignals {
  const channel = `${options.prefix ?? 'parley'}:stop`;
  const emitter = new EventEmitter().setMaxListeners(0);
  const { subscriber } = options;
  const subscribed = subscriber.subscribe(channel);
  subscribed.catch(() => {});
  subscriber.on('message', (from: string, turnId: string) => {
    if (from === channel) emitter.emit(turnId);
  });
  return {
    async request(turnId) {
      await options.redis.publish(channel, turnId);
    },
    watch: watchOn(emitter),
    async close() {
      emitter.removeAllListeners();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
