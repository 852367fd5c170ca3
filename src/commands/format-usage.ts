import type { UsageTotals } from '../history/history-store.ts';

/** `$0.000123`, `$1.2345`, or a note that the price is unknown. */
export function formatCost(costUsd: number | null): string {
  if (costUsd === null) return 'cost unknown for this model';
  return `$${costUsd < 0.01 ? costUsd.toFixed(6) : costUsd.toFixed(4)}`;
}

/** `1,234 tokens (1,000 in + 234 out), 3 calls, $0.0012` */
export function formatTotals(usage: UsageTotals): string {
  const tokens = usage.promptTokens + usage.completionTokens;
  const number = (value: number) => value.toLocaleString('en-US');
  return (
    `${number(tokens)} tokens (${number(usage.promptTokens)} in + ${number(usage.completionTokens)} out), ` +
    `${number(usage.calls)} call${usage.calls === 1 ? '' : 's'}, ${formatCost(usage.costUsd)}`
  );
}
