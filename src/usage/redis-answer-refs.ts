import type { Cluster, Redis } from 'ioredis';
import { ANSWER_REF_TTL_MS, type AnswerRefs, parseAnswerRef } from './answer-refs.ts';

/** Options of `createRedisAnswerRefs`. */
export interface RedisAnswerRefsOptions {
  /** Connection (shared; never quit here). */
  redis: Redis | Cluster;
  /** Key prefix; default `parley`. */
  prefix?: string;
  /** How long an entry lives, in ms; default `ANSWER_REF_TTL_MS`. */
  ttlMs?: number;
}

/**
 * Answer refs on Redis, shared by every worker (which write) and ingress (which reads): one string per message,
 * `<prefix>:answer:<messageRef>` holding the answer as JSON, set with its TTL. One key per command, so it
 * works on a Cluster as on one server.
 */
export function createRedisAnswerRefs(options: RedisAnswerRefsOptions): AnswerRefs {
  const { redis } = options;
  const prefix = options.prefix ?? 'parley';
  const ttlMs = options.ttlMs ?? ANSWER_REF_TTL_MS;
  const keyOf = (messageRef: string) => `${prefix}:answer:${messageRef}`;
  return {
    async remember(messageRef, answer) {
      const { sessionId, scopeId, model } = answer;
      await redis.set(keyOf(messageRef), JSON.stringify({ sessionId, scopeId, model }), 'PX', ttlMs);
    },
    async find(messageRef) {
      const stored = await redis.get(keyOf(messageRef));
      if (stored === null) return undefined;
      try {
        return parseAnswerRef(JSON.parse(stored));
      } catch {
        // Not written by Parley (or by a version that stored it otherwise): no answer Parley can name.
        return undefined;
      }
    },
  };
}
