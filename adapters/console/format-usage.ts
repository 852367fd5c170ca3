import type { UsageTotals } from '../../src/history-store.ts';

/** `$0.000123`, or a note that the price is unknown. */
export function formatCost(costUsd: number | null): string {
  if (costUsd === null) return 'cost unknown for this model';
  return `$${costUsd < 0.01 ? costUsd.toFixed(6) : costUsd.toFixed(4)}`;
}

/** One line describing a session's totals. */
export function formatUsageTotals(sessionId: string, usage: UsageTotals): string {
  const replies = `${usage.calls} model call${usage.calls === 1 ? '' : 's'}`;
  const tokens = `${usage.promptTokens} prompt + ${usage.completionTokens} reply tokens`;
  return `Usage of ${sessionId}: ${replies}, ${tokens}, ${formatCost(usage.costUsd)} in total.`;
}
