/**
 * Which answer a posted message is, for platforms where feedback arrives without it (Discord reactions name
 * only the message): the worker that posts an answer remembers its message, and the ingress that hears a
 * reaction looks it up — in the same process (embedded mode, memory) or another one (durable mode, Redis).
 * Entries expire (`ANSWER_REF_TTL_MS` unless retention says less): a reaction on an older answer counts nothing.
 * Memory and Redis implementations sit beside this file; both pass `test/contract/answer-refs.contract.ts`.
 */
import type { AnswerRef } from '../turn/reply-channel.ts';

/** Where answers' messages are remembered. */
export interface AnswerRefs {
  /** Remembers that the platform message `messageRef` holds the answer `answer`; a later call replaces it. */
  remember(messageRef: string, answer: AnswerRef): Promise<void>;
  /** The answer the message holds; `undefined` for a message that is no (remembered) answer. */
  find(messageRef: string): Promise<AnswerRef | undefined>;
}

/** How long a message is known as an answer without retention configured: 90 days. */
export const ANSWER_REF_TTL_MS = 90 * 86_400_000;

/**
 * How long the stores keep an entry: the history's retention (`retentionMs`, 0 for none) when it is shorter
 * than `ANSWER_REF_TTL_MS` — feedback on an answer the conversation no longer remembers is not worth keeping.
 */
export function answerRefTtlMs(retentionMs: number): number {
  return retentionMs > 0 ? Math.min(retentionMs, ANSWER_REF_TTL_MS) : ANSWER_REF_TTL_MS;
}

/** An answer reference read back from storage, or `undefined` when it is not one. */
export function parseAnswerRef(stored: unknown): AnswerRef | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const { sessionId, scopeId, model } = stored as Record<string, unknown>;
  if (typeof sessionId !== 'string' || typeof scopeId !== 'string' || typeof model !== 'string')
    return undefined;
  return { sessionId, scopeId, model };
}

/**
 * Answer refs for a component built before the store it should use exists (a reply channel is built before the
 * worker pipeline that owns the store): calls go to the store given to `use`, and fail before it.
 */
export function createLateAnswerRefs(): { refs: AnswerRefs; use(store: AnswerRefs): void } {
  let store: AnswerRefs | undefined;
  const current = (): AnswerRefs => {
    if (!store) throw new Error('the answer refs store is not set up yet');
    return store;
  };
  return {
    refs: {
      remember: async (messageRef, answer) => current().remember(messageRef, answer),
      find: async (messageRef) => current().find(messageRef),
    },
    use(actual) {
      store = actual;
    },
  };
}
