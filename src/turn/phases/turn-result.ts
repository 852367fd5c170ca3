import type { StoredMessage, UsageDelta } from '../../history/history-store.ts';
import { toStoredMessage } from '../../prompt/render-message.ts';
import type { ReplyDetails } from '../reply-channel.ts';
import type { Turn } from '../turn.ts';
import type { ModelCall } from './call-model.ts';
import type { PendingMessages } from './load-turn.ts';
import { type FailureAudience, modelFailureText } from './model-failure-text.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

export { modelFailureText, whenToTryAgain } from './model-failure-text.ts';

/** What a message turn shows and stores once the model phase is over. */
export interface TurnResult {
  /** How the turn ended, as logged and counted. */
  outcome: 'answered' | 'model_error';
  /** What the user reads: the answer, or why there is none. */
  text: string;
  /** Facts shown with the reply. */
  details: ReplyDetails;
  /** Messages to commit: the seeded context, the user's message, and the answer when there is one. */
  messages: StoredMessage[];
  /** Usage of the model call, when it succeeded. */
  usage: UsageDelta | undefined;
  /** The response chain to continue next: a new id, `null` to drop a lost one, `undefined` to keep it. */
  responseId: string | null | undefined;
}

/** Who reads the turn's failures: the terminal's user runs the bot, and is told what the server said. */
export function failureAudience(turn: Turn): FailureAudience {
  return { operator: turn.target.platform === 'console' };
}

/**
 * Settles the model call into the turn's result. A failed call still commits the user's message (without a
 * reply), so the history stays consistent. `audience` decides how much a failure tells.
 */
export function toTurnResult(
  deps: Pick<TurnDependencies, 'counter' | 'now'>,
  pending: PendingMessages,
  call: ModelCall,
  audience: FailureAudience = { operator: false },
): TurnResult {
  const messages = [...pending.seeded, pending.userMessage, ...(pending.folded ?? [])];
  const { outcome } = call;
  if ('error' in outcome) {
    return {
      outcome: 'model_error',
      text: withNotices(modelFailureText(outcome.error, audience), pending.notices),
      details: { isError: true },
      messages,
      usage: undefined,
      responseId: call.chainLost ? null : undefined,
    };
  }
  return {
    outcome: 'answered',
    text: withNotices(outcome.text, pending.notices),
    details: { isError: false, usage: outcome.usage, costUsd: outcome.costUsd },
    // The answer is remembered as the model wrote it; the notices are for the person, not the next prompt.
    messages: [
      ...messages,
      toStoredMessage({ role: 'assistant', content: outcome.text, at: deps.now() }, deps.counter),
    ],
    usage: { ...outcome.usage, costUsd: outcome.costUsd },
    // A rebuilt chain that came back without an id of its own must still drop the old one.
    responseId: outcome.responseId ?? (call.chainLost ? null : undefined),
  };
}

/** The reply with a line for each attached file the model was not given, after the answer. */
function withNotices(text: string, notices: readonly string[] = []): string {
  return notices.length === 0 ? text : `${text}\n\n${notices.join('\n')}`;
}
