import type { FeedbackEntry, FeedbackLedger, FeedbackValue } from './feedback-ledger.ts';

/** Records one click of a feedback button; resolves once it is stored. */
export type RecordFeedback = (entry: FeedbackEntry) => Promise<void>;

/**
 * Feedback into the ledger and `parley_feedback_total`: a repeated click of the same button counts once, a
 * changed vote counts its new value.
 */
export function createFeedbackRecorder(
  ledger: FeedbackLedger,
  metrics: { feedback?(value: FeedbackValue): void } | undefined,
): RecordFeedback {
  return async (entry) => {
    const previous = await ledger.record(entry);
    if (previous !== entry.value) metrics?.feedback?.(entry.value);
  };
}
