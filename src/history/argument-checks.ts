import type { StoredMessage, UsageDelta } from './history-store.ts';

/** Argument checks shared by every HistoryStore and UsageLedger, so they reject the same bad input. */

/** A usage delta as stores add it up: whole tokens and integer micro-USD. */
export interface UsageCounters {
  /** Prompt tokens. */
  promptTokens: number;
  /** Completion tokens. */
  completionTokens: number;
  /** Cost in millionths of a USD (0 when the price is unknown). */
  costMicroUsd: number;
}

/** A load limit; absent means none. */
export function limit(name: string, value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (Number.isNaN(value)) throw new RangeError(`${name} must be a number, got NaN`);
  return value;
}

export function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`turn seq must be a positive integer, got ${seq}`);
  }
}

/** Sum of the messages' tokens; each must be a non-negative integer, as `historyTokens` is kept with HINCRBY. */
export function sumTokens(messages: readonly StoredMessage[]): number {
  let sum = 0;
  for (const message of messages) {
    if (!Number.isSafeInteger(message.tokens) || message.tokens < 0) {
      throw new RangeError(`message tokens must be a non-negative integer, got ${message.tokens}`);
    }
    sum += message.tokens;
  }
  return sum;
}

/** Checks a usage delta and converts its cost to integer micro-USD (0 when the price is unknown). */
export function checkUsage(usage: UsageDelta): UsageCounters {
  for (const field of ['promptTokens', 'completionTokens'] as const) {
    const value = usage[field];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`usage.${field} must be a non-negative integer, got ${value}`);
    }
  }
  if (usage.costUsd !== null && (!Number.isFinite(usage.costUsd) || usage.costUsd < 0)) {
    throw new RangeError(`usage.costUsd must be a non-negative number or null, got ${usage.costUsd}`);
  }
  return {
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    costMicroUsd: usage.costUsd === null ? 0 : Math.round(usage.costUsd * 1_000_000),
  };
}

/** Retention in ms from the store options (`historyTtlMs` wins; it exists for tests); 0 means none. */
export function retentionMs(options: { historyTtlDays?: number; historyTtlMs?: number }): number {
  if (options.historyTtlMs !== undefined) {
    if (!Number.isSafeInteger(options.historyTtlMs) || options.historyTtlMs < 1) {
      throw new RangeError(`historyTtlMs must be a positive integer, got ${options.historyTtlMs}`);
    }
    return options.historyTtlMs;
  }
  if (options.historyTtlDays === undefined) return 0;
  if (!Number.isFinite(options.historyTtlDays) || options.historyTtlDays <= 0) {
    throw new RangeError(`historyTtlDays must be a positive number, got ${options.historyTtlDays}`);
  }
  return Math.max(1, Math.round(options.historyTtlDays * 86_400_000));
}

/** A count argument (`loadOldest`, `listSessions`): a whole number; negative means none. */
export function checkCount(name: string, value: number): number {
  if (Number.isNaN(value)) throw new RangeError(`${name} must be a number, got NaN`);
  return Math.max(0, Math.floor(value));
}
