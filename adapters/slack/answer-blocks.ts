import type { AnswerRef } from '../../src/turn/reply-channel.ts';
import { type FeedbackValue, isFeedbackValue } from '../../src/usage/feedback-ledger.ts';
import { splitMessage } from './split-message.ts';

/** `action_id` of the 👍/👎 buttons under an answer. */
export const FEEDBACK_ACTION_ID = 'parley_feedback';

/** Most characters of one section block (Slack refuses longer ones). */
const SECTION_LIMIT = 3_000;

/** What a feedback button carries back: the vote and the answer it is about. */
export interface FeedbackClick extends AnswerRef {
  /** 👍 or 👎. */
  value: FeedbackValue;
}

/**
 * Slack's feedback buttons (a `context_actions` block) under an answer. Each button's value names the answer
 * (conversation, channel, model), so the click can be recorded by any ingress without looking anything up.
 */
export function feedbackBlock(answer: AnswerRef): Record<string, unknown> {
  const value = (vote: FeedbackValue) =>
    JSON.stringify({ v: vote, s: answer.sessionId, c: answer.scopeId, m: answer.model });
  return {
    type: 'context_actions',
    elements: [
      {
        type: 'feedback_buttons',
        action_id: FEEDBACK_ACTION_ID,
        positive_button: {
          text: { type: 'plain_text', text: '👍' },
          value: value('up'),
          accessibility_label: 'Good answer',
        },
        negative_button: {
          text: { type: 'plain_text', text: '👎' },
          value: value('down'),
          accessibility_label: 'Bad answer',
        },
      },
    ],
  };
}

/** Reads a feedback button's value; `undefined` for anything Parley did not put there. */
export function readFeedbackClick(value: unknown): FeedbackClick | undefined {
  if (typeof value !== 'string') return undefined;
  let parsed: { v?: unknown; s?: unknown; c?: unknown; m?: unknown };
  try {
    parsed = JSON.parse(value) as typeof parsed;
  } catch {
    return undefined;
  }
  const { v, s, c, m } = parsed ?? {};
  if (!isFeedbackValue(v) || typeof s !== 'string' || typeof c !== 'string' || typeof m !== 'string') {
    return undefined;
  }
  return { value: v, sessionId: s, scopeId: c, model: m };
}

/** A message's mrkdwn as section blocks (a message with blocks shows them instead of its `text`). */
export function sectionBlocks(mrkdwn: string): Record<string, unknown>[] {
  return splitMessage(mrkdwn, SECTION_LIMIT).map((text) => ({
    type: 'section',
    text: { type: 'mrkdwn', text },
  }));
}
