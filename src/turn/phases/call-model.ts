import { ModelError, PreviousResponseLostError } from '../../app/errors.ts';
import type { Logger } from '../../app/logger.ts';
import type { CompletionRequest, CompletionResult } from '../../model/model-client.ts';
import type { ReplyStream } from '../reply-channel.ts';
import { completeWithRetry, type ModelOutcome, type RetryDependencies } from './complete-with-retry.ts';
import { fitFollowUp, ownMessageCount } from './fit-follow-up.ts';
import {
  continuation,
  offerTools,
  runToolRound,
  sumRounds,
  type ToolExchangeMessage,
  type TurnTools,
  toolsForReply,
  unansweredToolCalls,
} from './tool-rounds.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What calling the model draws on; with the counter and budget, later tool rounds are kept within it. */
export type ModelDependencies = RetryDependencies &
  Pick<TurnDependencies, 'metrics'> &
  Partial<Pick<TurnDependencies, 'counter' | 'historyBudget'>>;

/** What the model is asked, and where its answer streams to. */
export interface ModelCallInput {
  /** The first round's request. */
  request: CompletionRequest;
  /** The full request to resend when the server lost the response chain the first round continues. */
  rebuild: () => Promise<CompletionRequest>;
  /** The turn's reply, which shows the working indicator and then the streamed text. */
  reply: ReplyStream;
  /** Logger carrying the session. */
  log: Logger;
  /** When the turn's run must be over, ms since epoch: no model attempt outlasts it. */
  deadline: number;
  /** The tools the model may call in this turn; none when unset. */
  tools?: TurnTools;
  /**
   * The full request again, trimmed harder: sent once when the server refuses the first as longer than the
   * model accepts (the budget was wrong for that model), so the user sees an answer instead of an error.
   */
  trimHarder?: () => Promise<CompletionRequest>;
  /** Aborts when someone presses Stop: the answer so far is kept, marked as stopped (see `completeWithRetry`). */
  stop?: AbortSignal;
}

/** How the model phase ended. */
export interface ModelCall {
  /** The last round's completion, or the error the call gave up on. */
  outcome: ModelOutcome;
  /**
   * Whether the response chain was lost (or outgrew the context window) and the conversation was resent from
   * the local transcript: the stored response id must not be continued again.
   */
  chainLost: boolean;
  /** When the first request started, ms since epoch. */
  started: number;
  /** The tool calls and results of the turn's rounds, in order (stored before the answer). */
  toolMessages?: ToolExchangeMessage[];
  /** `server.tool` names of the tools that ran, without repeats. */
  toolsUsed?: string[];
  /** When the outcome is an error after earlier rounds completed: those rounds' usage, still to be counted. */
  spent?: Pick<CompletionResult, 'usage' | 'costUsd'>;
}

/**
 * Shows that the bot is working, then runs rounds of model calls into the reply until one needs no follow-up:
 * a round that calls tools has them run and their results sent back, up to `MAX_TOOL_ROUNDS` such rounds (the
 * next is offered no tools, so the model answers). The outcome's usage counts every round. Never throws for a
 * model failure.
 */
export async function callModel(deps: ModelDependencies, call: ModelCallInput): Promise<ModelCall> {
  // Tools that ask first are offered only where the question can be shown; the deadline may move on (below).
  const input: ModelCallInput = { ...call, tools: toolsForReply(call.tools, call.reply) };
  await input.reply.showWorking().catch((error: unknown) => {
    // Being unable to show "thinking…" is no reason to fail the turn.
    input.log.warn({ err: error }, 'could not show the working indicator');
  });
  const started = deps.now();
  let chainLost = false;
  const { tools } = input;
  let request = offerTools(input.request, tools, 1);
  const rounds: CompletionResult[] = [];
  const exchange: ToolExchangeMessage[] = [];
  const used = new Set<string>();
  const own = { count: 0 };
  for (let round = 1; ; round++) {
    let outcome = await completeWithRetry(deps, request, input);
    if (round === 1 && isChainLost(outcome, request)) {
      // The server forgot the chain (expired or deleted), or the chain no longer fits the model's window:
      // rebuild it from the local transcript, which is trimmed to the budget.
      input.log.info('response chain lost; resending the conversation from the local transcript');
      chainLost = true;
      request = offerTools(await input.rebuild(), tools, 1);
      outcome = await completeWithRetry(deps, request, input);
    }
    if (round === 1 && input.trimHarder && isContextTooLong(outcome, request)) {
      input.log.info(
        'the prompt was longer than the model accepts; trimming harder and sending it once more',
      );
      request = offerTools(await input.trimHarder(), tools, 1);
      outcome = await completeWithRetry(deps, request, input);
    }
    if (!('error' in outcome)) rounds.push(outcome);
    const next = await followUpRequest(deps, { outcome, request, round, input, exchange, used, own });
    if (next === undefined) {
      const settled = 'error' in outcome ? outcome : settleRounds(outcome, rounds);
      const result: ModelCall = {
        outcome: settled,
        chainLost,
        started,
        toolMessages: exchange,
        toolsUsed: [...used],
        // Rounds that completed before a later one failed were still paid for.
        ...('error' in settled && rounds.length > 0 ? { spent: sumRounds(rounds) } : {}),
      };
      recordModelCall(deps, result);
      return result;
    }
    request = next;
  }
}

/** The last round's completion with every round's usage, or an error if it still only called tools. */
function settleRounds(last: CompletionResult, rounds: readonly CompletionResult[]): ModelOutcome {
  const unanswered = unansweredToolCalls(last);
  return unanswered ? { error: unanswered } : { ...last, ...sumRounds(rounds) };
}

/** A full prompt the server refused as too long (a chained one is rebuilt as a lost chain instead). */
function isContextTooLong(outcome: ModelOutcome, request: CompletionRequest): boolean {
  if (!('error' in outcome) || request.previousResponseId !== undefined) return false;
  return outcome.error instanceof ModelError && outcome.error.kind === 'context_length';
}

function isChainLost(outcome: ModelOutcome, request: CompletionRequest): boolean {
  if (!('error' in outcome)) return false;
  const { error } = outcome;
  if (error instanceof PreviousResponseLostError) return true;
  // A chain grown past the context window fails every later turn the same way unless it is rebuilt.
  return (
    request.previousResponseId !== undefined && error instanceof ModelError && error.kind === 'context_length'
  );
}

/** Where one round stands: its outcome and request, and what the turn's rounds have gathered so far. */
interface RoundState {
  outcome: ModelOutcome;
  request: CompletionRequest;
  round: number;
  input: ModelCallInput;
  exchange: ToolExchangeMessage[];
  used: Set<string>;
  /** How many messages at the end of the request are the turn's own (its message(s) and tool rounds). */
  own: { count: number };
}

/**
 * The request that continues the turn after a round, or `undefined` when the round's answer is final: it
 * failed, called no tools, or came after the last tool round. Otherwise the calls run and their results go
 * back to the model.
 */
async function followUpRequest(
  deps: ModelDependencies,
  state: RoundState,
): Promise<CompletionRequest | undefined> {
  const { outcome, input, round } = state;
  const { tools } = input;
  if ('error' in outcome || !tools || !outcome.toolCalls?.length || round > tools.maxRounds) return undefined;
  const ran = await runToolRound(tools, outcome, { ...input, now: deps.now });
  // Time spent waiting for a person to confirm a tool is not the model's: later rounds get it back.
  input.deadline += ran.waitedMs;
  state.exchange.push(...ran.messages);
  for (const name of ran.used) state.used.add(name);
  input.log.info({ round, calls: outcome.toolCalls.length }, 'tool round');
  const next = continuation(state.request, outcome, ran.messages, deps.model.chainsResponses);
  // Each round adds calls and results the first request's trimming never saw.
  const { counter, historyBudget } = deps;
  if (round === 1) state.own.count = ownMessageCount(state.request);
  state.own.count += ran.messages.length;
  const fitted =
    counter && historyBudget !== undefined
      ? fitFollowUp(next, {
          counter,
          maxTokens: historyBudget,
          turnStart: next.messages.length - state.own.count,
        })
      : next;
  return offerTools(fitted, tools, round + 1);
}

function recordModelCall(deps: ModelDependencies, call: ModelCall): void {
  const { metrics, model, now } = deps;
  if ('error' in call.outcome) {
    metrics?.modelCall(model.model, (now() - call.started) / 1000, call.spent?.usage, call.spent?.costUsd);
    metrics?.error('model');
  } else {
    metrics?.modelCall(model.model, (now() - call.started) / 1000, call.outcome.usage, call.outcome.costUsd);
  }
}
