/**
 * Asking before a tool marked `"confirm": true` runs: the question shown to the person whose message started
 * the turn, the ids its buttons carry (so an ingress can tell which question, which answer and who may give
 * it), and the words of every outcome. Platforms render the question; `confirm-answers.ts` carries the answer
 * from the ingress to the waiting worker.
 */
import { randomBytes } from 'node:crypto';
import type { ConfirmAnswer } from './confirm-answers.ts';

/** One "may this tool run?" question. */
export interface ConfirmQuestion {
  /** Unique id of the question (hex), carried by its buttons. */
  id: string;
  /** The tool, `server.tool`. */
  tool: string;
  /** The call's arguments as the model wrote them, shortened for display. */
  argumentsText: string;
  /** Platform id of the person who may answer (the turn's author; platform admins may too). */
  askerId: string;
  /** That person's display name. */
  askerName: string;
  /** How long the question waits for an answer, ms. */
  timeoutMs: number;
}

/** How a question ended. */
export type ConfirmOutcome =
  | { kind: 'approved'; by: string }
  | { kind: 'declined'; by: string }
  | { kind: 'timed_out' }
  | { kind: 'unasked'; reason: string };

/** A question as shown on a platform. */
export interface ConfirmPrompt {
  /** The answer when the platform takes it where the question is shown (the terminal's y/N line). */
  answer?: Promise<ConfirmAnswer | undefined>;
  /** Shows the outcome on the question and removes its buttons. */
  settle(outcome: ConfirmOutcome): Promise<void>;
}

/** Where an ingress hands Approve/Decline clicks, and who besides the turn's author may give them. */
export interface ToolConfirmations {
  /** Hands an answer to the worker waiting for it; resolves to the answer that stands. */
  answer(questionId: string, answer: ConfirmAnswer): Promise<ConfirmAnswer>;
  /** `ADMIN_USERS`: ids that may answer any question. */
  adminUsers: readonly string[];
}

/** Prefix of the Slack `action_id` and Discord `custom_id` of the Approve/Decline buttons. */
export const CONFIRM_CONTROL_PREFIX = 'parley_tool_confirm:';

/** What one button of a question says. */
export interface ConfirmControl {
  /** The question. */
  questionId: string;
  /** Which button. */
  approved: boolean;
  /** Who may answer (besides platform admins). */
  askerId: string;
}

/** A fresh question id. */
export function newQuestionId(): string {
  return randomBytes(8).toString('hex');
}

/** The id a button carries: `parley_tool_confirm:<approve|decline>:<question>:<asker>` (≤ 100 characters). */
export function confirmControlId(control: ConfirmControl): string {
  return `${CONFIRM_CONTROL_PREFIX}${control.approved ? 'approve' : 'decline'}:${control.questionId}:${control.askerId}`;
}

/** The button an id names, or `undefined` for anything else (a forged or foreign id). */
export function parseConfirmControlId(id: string): ConfirmControl | undefined {
  const match = /^parley_tool_confirm:(approve|decline):([0-9a-f]{16}):([A-Za-z0-9_.@-]{1,60})$/.exec(id);
  if (!match?.[2] || !match[3]) return undefined;
  return { approved: match[1] === 'approve', questionId: match[2], askerId: match[3] };
}

/** The question's words (Markdown); `asker` is how the platform names the person. */
export function questionText(question: ConfirmQuestion, asker: string): string {
  const seconds = Math.round(question.timeoutMs / 1000);
  return [
    `${asker}, may I run \`${question.tool}\`?`,
    `\`\`\`\n${question.argumentsText}\n\`\`\``,
    `_Unanswered in ${seconds} s counts as no._`,
  ].join('\n');
}

/** The question's words once it is answered; `by` names who answered as the platform shows people. */
export function outcomeText(question: ConfirmQuestion, outcome: ConfirmOutcome): string {
  const tool = `\`${question.tool}\``;
  switch (outcome.kind) {
    case 'approved':
      return `✅ ${tool} approved by ${outcome.by}`;
    case 'declined':
      return `❌ ${tool} declined by ${outcome.by}`;
    case 'timed_out':
      return `⌛ ${tool} not run: nobody answered in time (counted as declined)`;
    case 'unasked':
      return `❌ ${tool} not run: ${outcome.reason}`;
  }
}

/** What the model reads instead of the tool's result when it did not run. */
export function refusalText(outcome: Exclude<ConfirmOutcome, { kind: 'approved' }>): string {
  switch (outcome.kind) {
    case 'declined':
      return 'The user declined to run this tool, so it did not run. Answer without it, and do not ask to run it again in this turn.';
    case 'timed_out':
      return 'The user did not confirm this tool in time, so it did not run (treated as declined). Answer without it.';
    case 'unasked':
      return `The tool needs the user's confirmation, which could not be asked (${outcome.reason}), so it did not run. Answer without it.`;
  }
}

/** The arguments as shown in the question: pretty JSON when they parse, shortened to 500 characters. */
export function argumentsForDisplay(raw: string): string {
  let text = raw.trim() === '' ? '{}' : raw;
  try {
    text = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Shown as the model wrote it; the call itself will report the bad JSON.
  }
  // Backticks would end the code block the arguments are shown in.
  text = text.replace(/`/g, "'");
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
