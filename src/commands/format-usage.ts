import type { UsageTotals } from '../history/history-store.ts';
import type { UsageByModel } from '../usage/usage-ledger.ts';

/** `$0.000123`, `$1.2345`, or a note that the price is unknown. */
export function formatCost(costUsd: number | null): string {
  if (costUsd === null) return 'cost unknown for this model';
  return dollars(costUsd);
}

function dollars(costUsd: number): string {
  return `$${costUsd < 0.01 ? costUsd.toFixed(6) : costUsd.toFixed(4)}`;
}

/**
 * The cost of some totals: in dollars when every call was priced; "cost unknown" when none was; the known part
 * and how many calls it leaves out otherwise. Totals that do not count unpriced calls (a conversation's own) and
 * add up to $0 over some calls were unpriced too: no priced call costs less than a micro-dollar.
 */
export function formatTotalsCost(usage: UsageTotals): string {
  const unpriced = usage.unpricedCalls ?? (usage.calls > 0 && usage.costUsd === 0 ? usage.calls : 0);
  if (unpriced === 0) return dollars(usage.costUsd);
  if (unpriced >= usage.calls) return 'cost unknown';
  return `${dollars(usage.costUsd)} + unknown for ${unpriced} call${unpriced === 1 ? '' : 's'} to models without a price`;
}

/** `1,234 tokens (1,000 in + 234 out), 3 calls, $0.0012` */
export function formatTotals(usage: UsageTotals): string {
  const tokens = usage.promptTokens + usage.completionTokens;
  const number = (value: number) => value.toLocaleString('en-US');
  return (
    `${number(tokens)} tokens (${number(usage.promptTokens)} in + ${number(usage.completionTokens)} out), ` +
    `${number(usage.calls)} call${usage.calls === 1 ? '' : 's'}, ${formatTotalsCost(usage)}`
  );
}

/** `/usage`'s lines per model: the totals by model of `scope` (`this channel`, or the terminal's conversation). */
export function formatUsageByModel(byModel: UsageByModel, scope = 'this channel'): string[] {
  const models = Object.keys(byModel.scope).sort();
  if (models.length === 0) return [];
  return [
    `**By model** (${scope}, in total)`,
    ...models.map((model) => `• ${model}: ${formatTotals(byModel.scope[model]!)}`),
  ];
}
