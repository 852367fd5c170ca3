import type { UsageDelta } from '../history/history-store.ts';

/** A usage delta as stores add it up: whole tokens and integer micro-USD. */
export interface UsageCounters {
  /** Prompt tokens. */
  promptTokens: number;
  /** Completion tokens. */
  completionTokens: number;
  /** Cost in millionths of a USD (0 when the price is unknown). */
  costMicroUsd: number;
}

/**
 * Checks a usage delta and converts its cost to integer micro-USD (0 when the price is unknown). Every
 * HistoryStore and UsageLedger calls it, so they reject the same bad input and sum cost exactly.
 */
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
