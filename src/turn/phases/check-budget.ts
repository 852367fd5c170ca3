import { nextUtcMidnight, type UsageReport } from '../../usage/usage-ledger.ts';
import type { Turn } from '../turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What the user reads past a daily budget; in the terminal chat the channel is the conversation. */
export function budgetText(kind: 'user' | 'channel', limit: number, now: number, terminal = false): string {
  const resets = nextUtcMidnight(now).toISOString().replace('T', ' ').slice(0, 16);
  const who = kind === 'user' ? 'You have' : terminal ? 'This conversation has' : 'This channel has';
  return `${who} used today's budget of ${limit.toLocaleString('en-US')} tokens, so I won't answer until it resets at ${resets} UTC.`;
}

/**
 * Why the turn may not reach the model (its author's or its channel's daily budget is spent), or `undefined`
 * when it may. Without budgets the ledger is not read at all.
 */
export async function checkBudget(
  deps: Pick<TurnDependencies, 'budgets' | 'ledger' | 'now'>,
  turn: Turn,
): Promise<string | undefined> {
  const { perUserDaily, perChannelDaily } = deps.budgets ?? {};
  if (perUserDaily === undefined && perChannelDaily === undefined) return undefined;
  const at = deps.now();
  const report = await deps.ledger.read({
    scopeId: turn.scopeId ?? turn.sessionId,
    userId: turn.author.id,
    at,
  });
  const spent = (totals: UsageReport['user']['today']) => totals.promptTokens + totals.completionTokens;
  if (perUserDaily !== undefined && spent(report.user.today) >= perUserDaily)
    return budgetText('user', perUserDaily, at);
  if (perChannelDaily !== undefined && spent(report.scope.today) >= perChannelDaily)
    return budgetText('channel', perChannelDaily, at, turn.target.platform === 'console');
  return undefined;
}
