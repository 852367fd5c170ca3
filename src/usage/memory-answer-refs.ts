import type { AnswerRef } from '../turn/reply-channel.ts';
import { ANSWER_REF_TTL_MS, type AnswerRefs } from './answer-refs.ts';

/** Options of `createMemoryAnswerRefs`. */
export interface MemoryAnswerRefsOptions {
  /** How long an entry lives, in ms; default `ANSWER_REF_TTL_MS`. */
  ttlMs?: number;
  /** Most entries kept; the oldest go first. Default 100,000. */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Answer refs in this process's memory (the embedded mode): lost on restart, like its history. Bounded, so a
 * long-running bot does not grow without end: entries expire, and past `maxEntries` the oldest are dropped.
 */
export function createMemoryAnswerRefs(options: MemoryAnswerRefsOptions = {}): AnswerRefs {
  const ttlMs = options.ttlMs ?? ANSWER_REF_TTL_MS;
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  // Insertion order is age order (a replaced entry is moved to the end), so the first key is the oldest.
  const entries = new Map<string, { answer: AnswerRef; expiresAt: number }>();
  return {
    async remember(messageRef, answer) {
      entries.delete(messageRef);
      entries.set(messageRef, { answer: { ...answer }, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    async find(messageRef) {
      const entry = entries.get(messageRef);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(messageRef);
        return undefined;
      }
      return { ...entry.answer };
    },
  };
}
