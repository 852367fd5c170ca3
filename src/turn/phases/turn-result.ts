import type { StoredMessage, UsageDelta } from '../../history/history-store.ts';
import { toStoredMessage } from '../../prompt/render-message.ts';
import type { ReplyDetails } from '../reply-channel.ts';
import type { Turn } from '../turn.ts';
import type { ModelCall } from './call-model.ts';
import type { PendingMessages } from './load-turn.ts';
import { type FailureAudience, modelFailureText } from './model-failure-text.ts';
import type { ToolExchangeMessage } from './tool-rounds.ts';
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
  /** Usage of the model call: all its rounds when it succeeded, the completed ones when a later round failed. */
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
      // Tool rounds that completed before the failure were paid for: they count like any usage.
      usage: call.spent ? { ...call.spent.usage, costUsd: call.spent.costUsd } : undefined,
      responseId: call.chainLost ? null : undefined,
    };
  }
  const at = deps.now();
  return {
    outcome: 'answered',
    text: withNotices(withToolLines(outcome.text, call.toolsUsed, outcome.sources), pending.notices),
    details: { isError: false, usage: outcome.usage, costUsd: outcome.costUsd },
    // The answer is remembered as the model wrote it; the notices are for the person, not the next prompt.
    // The tool calls and results come before it, as the model saw them.
    messages: [
      ...messages,
      ...storedToolMessages(deps, call.toolMessages ?? [], at),
      toStoredMessage({ role: 'assistant', content: outcome.text, at }, deps.counter),
    ],
    usage: { ...outcome.usage, costUsd: outcome.costUsd },
    // A rebuilt chain that came back without an id of its own must still drop the old one.
    responseId: outcome.responseId ?? (call.chainLost ? null : undefined),
  };
}

/** The tool exchange as stored messages. */
function storedToolMessages(
  deps: Pick<TurnDependencies, 'counter'>,
  exchange: readonly ToolExchangeMessage[],
  at: number,
): StoredMessage[] {
  return exchange.map((message) =>
    toStoredMessage(
      {
        role: message.role === 'tool' ? 'tool' : 'assistant',
        content: message.content,
        at,
        ...(message.toolCalls ? { toolCalls: message.toolCalls } : {}),
        ...(message.toolCallId !== undefined ? { toolCallId: message.toolCallId } : {}),
        ...(message.toolName !== undefined ? { toolName: message.toolName } : {}),
      },
      deps.counter,
    ),
  );
}

/** The answer with the tools it used and the pages it cites (web search) as links, for the person. */
function withToolLines(
  text: string,
  used: readonly string[] = [],
  sources: ReadonlyArray<{ url: string; title?: string }> = [],
): string {
  const lines: string[] = [];
  if (sources.length > 0) {
    lines.push(
      `Sources: ${sources.map((source) => `[${source.title ?? source.url}](${source.url})`).join(', ')}`,
    );
  }
  if (used.length > 0) lines.push(`_Used ${used.map((name) => `\`${name}\``).join(', ')}_`);
  return lines.length === 0 ? text : `${text}\n\n${lines.join('\n')}`;
}

/** The reply with a line for each attached file the model was not given, after the answer. */
function withNotices(text: string, notices: readonly string[] = []): string {
  return notices.length === 0 ? text : `${text}\n\n${notices.join('\n')}`;
}
