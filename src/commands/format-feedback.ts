import type { FeedbackCounts, FeedbackReport } from '../usage/feedback-ledger.ts';

const counts = ({ up, down }: FeedbackCounts) => `👍 ${up} · 👎 ${down}`;

/** The `usage` lines about feedback on answers: none until someone gave any in the channel. */
export function formatFeedback(report: FeedbackReport | undefined): string[] {
  if (!report || report.scope.up + report.scope.down === 0) return [];
  const models = Object.entries(report.byModel)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, value]) => `${model} ${counts(value)}`);
  return [
    `• feedback here: ${counts(report.session)}; in this channel: ${counts(report.scope)}`,
    ...(models.length > 1 ? [`• feedback by model: ${models.join('; ')}`] : []),
  ];
}
