/**
 * What people thought of the answers: one 👍 or 👎 per person per answer (a later click changes it), kept per
 * conversation, channel and model, so `usage` and exports can show how answers land and which model earns it.
 * Memory and Redis implementations sit beside this file; both pass `test/contract/feedback-ledger.contract.ts`.
 */

/** A reaction to one answer. */
export type FeedbackValue = 'up' | 'down';

/** One person's feedback on one answer. */
export interface FeedbackEntry {
  /** The conversation the answer is in. */
  sessionId: string;
  /** Its channel-level scope (the channel of a thread). */
  scopeId: string;
  /** The model that wrote the answer. */
  model: string;
  /** The platform id of the answer's message. */
  messageRef: string;
  /** Who gave it. */
  userId: string;
  /** 👍 or 👎. */
  value: FeedbackValue;
}

/** Counts of 👍 and 👎. */
export interface FeedbackCounts {
  /** 👍 given. */
  up: number;
  /** 👎 given. */
  down: number;
}

/** Feedback of a conversation and of its channel, the channel's also by model. */
export interface FeedbackReport {
  /** The conversation's own. */
  session: FeedbackCounts;
  /** The whole channel's (every conversation in it). */
  scope: FeedbackCounts;
  /** The channel's, by the model that wrote the answers. */
  byModel: Record<string, FeedbackCounts>;
}

/** Where feedback is kept. */
export interface FeedbackLedger {
  /** Records a vote; resolves to the value it replaced (`undefined` for a first vote, the same value for a repeat). */
  record(entry: FeedbackEntry): Promise<FeedbackValue | undefined>;
  /** The feedback of `sessionId` within `scopeId`. */
  read(scopeId: string, sessionId: string): Promise<FeedbackReport>;
  /** Drops every vote of a channel (`forget`). */
  forgetScope(scopeId: string): Promise<void>;
}

/** A stored vote, as both implementations keep it. */
export interface StoredVote {
  sessionId: string;
  model: string;
  value: FeedbackValue;
}

/** Adds votes up into a report. */
export function tallyVotes(votes: Iterable<StoredVote>, sessionId: string): FeedbackReport {
  const report: FeedbackReport = { session: { up: 0, down: 0 }, scope: { up: 0, down: 0 }, byModel: {} };
  for (const vote of votes) {
    report.scope[vote.value] += 1;
    if (vote.sessionId === sessionId) report.session[vote.value] += 1;
    const model = report.byModel[vote.model] ?? { up: 0, down: 0 };
    report.byModel[vote.model] = model;
    model[vote.value] += 1;
  }
  return report;
}

/** Whether a value read back (a platform payload, a stored field) is a feedback value. */
export function isFeedbackValue(value: unknown): value is FeedbackValue {
  return value === 'up' || value === 'down';
}
