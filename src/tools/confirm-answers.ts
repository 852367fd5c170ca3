/**
 * The answers to "may this tool run?": the click reaches an ingress while the worker running the turn waits —
 * in the same process (embedded mode) or another one (Redis). The first answer to a question wins and later
 * clicks see it; an answer given before the worker starts waiting is kept (Redis: a key with a TTL), so a fast
 * click is never lost.
 */
import { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';

/** A person's answer to one confirmation question. */
export interface ConfirmAnswer {
  /** Whether the tool may run. */
  approved: boolean;
  /** Who answered (display name), shown on the question afterwards. */
  by: string;
}

/** Where confirmation answers are given and awaited. */
export interface ConfirmAnswers {
  /** Records the answer to question `id`; resolves to the answer that stands (an earlier one wins). */
  answer(id: string, answer: ConfirmAnswer): Promise<ConfirmAnswer>;
  /** The answer to question `id`, or `undefined` when none came within `timeoutMs` or `signal` aborted. */
  wait(id: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ConfirmAnswer | undefined>;
  /** Stops listening (the Redis subscriber connection is closed). */
  close(): Promise<void>;
}

/** How long an answer is kept for a worker that has not started waiting yet, or a late second click. */
const ANSWER_TTL_MS = 15 * 60_000;

/** Waits on `emitter` for `id`, checking `lookUp` once listening so an answer already given is seen. */
async function waitOn(
  emitter: EventEmitter,
  id: string,
  lookUp: () => Promise<ConfirmAnswer | undefined>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ConfirmAnswer | undefined> {
  if (options.signal?.aborted) return undefined;
  let finish: (answer: ConfirmAnswer | undefined) => void = () => {};
  const settled = new Promise<ConfirmAnswer | undefined>((resolve) => {
    finish = resolve;
  });
  const onAnswer = () => {
    lookUp().then(finish, () => {});
  };
  const onAbort = () => finish(undefined);
  emitter.on(id, onAnswer);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => finish(undefined), options.timeoutMs);
  try {
    const given = await lookUp();
    if (given) finish(given);
    return await settled;
  } finally {
    clearTimeout(timer);
    emitter.off(id, onAnswer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Answers within one process (the embedded mode: ingress and worker together). */
export function createMemoryConfirmAnswers(): ConfirmAnswers {
  const emitter = new EventEmitter().setMaxListeners(0);
  const answers = new Map<string, { answer: ConfirmAnswer; timer: NodeJS.Timeout }>();
  return {
    async answer(id, answer) {
      const standing = answers.get(id);
      if (standing) return standing.answer;
      const timer = setTimeout(() => answers.delete(id), ANSWER_TTL_MS);
      timer.unref();
      answers.set(id, { answer, timer });
      emitter.emit(id);
      return answer;
    },
    wait: (id, options) => waitOn(emitter, id, async () => answers.get(id)?.answer, options),
    async close() {
      emitter.removeAllListeners();
      for (const { timer } of answers.values()) clearTimeout(timer);
      answers.clear();
    },
  };
}

/** Options of `createRedisConfirmAnswers`. */
export interface RedisConfirmAnswersOptions {
  /** The shared connection (keys and PUBLISH). */
  redis: Redis | Cluster;
  /** A connection of its own for SUBSCRIBE; closed by `close`. */
  subscriber: Redis | Cluster;
  /** Key prefix: answers at `<prefix>:{confirm:<id>}:answer`, announced on `<prefix>:tool-confirm`. */
  prefix?: string;
}

/**
 * Answers across processes: the ingress stores the answer with `SET NX` (its own hash tag, so each command
 * touches one slot on a Cluster) and PUBLISHes the question id; the waiting worker reads the key when it starts
 * waiting and again whenever the id is announced.
 */
export function createRedisConfirmAnswers(options: RedisConfirmAnswersOptions): ConfirmAnswers {
  const prefix = options.prefix ?? 'parley';
  const channel = `${prefix}:tool-confirm`;
  const keyOf = (id: string) => `${prefix}:{confirm:${id}}:answer`;
  const emitter = new EventEmitter().setMaxListeners(0);
  const { redis, subscriber } = options;
  const subscribed = subscriber.subscribe(channel);
  subscribed.catch(() => {});
  subscriber.on('message', (from: string, id: string) => {
    if (from === channel) emitter.emit(id);
  });
  const lookUp = async (id: string) => parseAnswer(await redis.get(keyOf(id)));
  return {
    async answer(id, answer) {
      const stored = await redis.set(keyOf(id), JSON.stringify(answer), 'PX', ANSWER_TTL_MS, 'NX');
      if (stored !== 'OK') return (await lookUp(id)) ?? answer;
      await redis.publish(channel, id);
      return answer;
    },
    async wait(id, waitOptions) {
      // Listening before the first look means an answer is either already stored or announced later.
      await subscribed;
      return waitOn(emitter, id, () => lookUp(id), waitOptions);
    },
    async close() {
      emitter.removeAllListeners();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}

/** A stored answer, or `undefined` for none or anything unreadable. */
function parseAnswer(raw: string | null): ConfirmAnswer | undefined {
  if (raw === null) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<ConfirmAnswer>;
    if (typeof value.approved !== 'boolean' || typeof value.by !== 'string') return undefined;
    return { approved: value.approved, by: value.by };
  } catch {
    return undefined;
  }
}
