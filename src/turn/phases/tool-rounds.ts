import { ModelError } from '../../app/errors.ts';
import type { Logger } from '../../app/logger.ts';
import type { ChatMessage, CompletionRequest, CompletionResult } from '../../model/model-client.ts';
import type { ConfirmAnswers } from '../../tools/confirm-answers.ts';
import type { OfferedTool, ToolRegistry } from '../../tools/tool-registry.ts';
import type { ReplyStream } from '../reply-channel.ts';
import type { Turn } from '../turn.ts';
import { confirmToolCall } from './confirm-tool-call.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/**
 * The tool side of the model phase: which tools a turn offers, running one round of the model's calls (in
 * parallel), and the request that gives the results back. The rounds themselves are `callModel`'s loop.
 */

/** The tools of one turn. */
export interface TurnTools {
  /** Where calls run. */
  registry: ToolRegistry;
  /** What the model is offered (the channel's switches applied). */
  offered: OfferedTool[];
  /** Whether OpenAI's built-in web search is offered too. */
  webSearch: boolean;
  /** Rounds that may call tools; the round after the last one is offered none, so the model must answer. */
  maxRounds: number;
  /** Who is asked before a tool marked `"confirm": true` runs: the turn's author. */
  asker: { id: string; name: string };
  /** Where answers given at an ingress (buttons) arrive. */
  answers?: ConfirmAnswers;
}

/** A message of a tool exchange, with the tool that produced a result (stored with it). */
export type ToolExchangeMessage = ChatMessage & { toolName?: string };

/** What one round of tool calls produced. */
export interface ToolRound {
  /** The assistant message calling the tools, then one result per call, in call order. */
  messages: ToolExchangeMessage[];
  /** `server.tool` names of the tools that ran (unknown or declined left out). */
  used: string[];
  /** Time spent waiting for people to confirm tools, ms (not counted against the turn's deadline). */
  waitedMs: number;
}

/** The turn's tools: none without a registry, or when the channel allows none and there is no web search. */
export async function openTurnTools(
  deps: Pick<TurnDependencies, 'tools' | 'store' | 'model' | 'confirmAnswers'>,
  turn: Turn,
): Promise<TurnTools | undefined> {
  const registry = deps.tools;
  if (!registry) return undefined;
  // The switches live with the channel, so a thread follows its channel's.
  const switches = (await deps.store.getMeta(turn.scopeId ?? turn.sessionId)).tools;
  const offered = registry.offered(switches);
  const webSearch = registry.settings.webSearch && deps.model.chainsResponses;
  if (offered.length === 0 && !webSearch) return undefined;
  return {
    registry,
    offered,
    webSearch,
    maxRounds: registry.settings.maxRounds,
    asker: { id: turn.author.id, name: turn.author.name },
    answers: deps.confirmAnswers,
  };
}

/** The turn's tools as its reply can serve them: tools that ask first only where a question can be shown. */
export function toolsForReply(tools: TurnTools | undefined, reply: ReplyStream): TurnTools | undefined {
  if (!tools || reply.askToConfirm) return tools;
  const offered = tools.offered.filter((tool) => !tool.confirm);
  if (offered.length === 0 && !tools.webSearch) return undefined;
  return { ...tools, offered };
}

/** The request of round `round` with the turn's tools offered — none past the last tool round. */
export function offerTools(
  request: CompletionRequest,
  tools: TurnTools | undefined,
  round: number,
): CompletionRequest {
  const { tools: _tools, webSearch: _webSearch, ...bare } = request;
  if (!tools || round > tools.maxRounds) return bare;
  return {
    ...bare,
    ...(tools.offered.length > 0 ? { tools: tools.offered.map((tool) => tool.definition) } : {}),
    ...(tools.webSearch ? { webSearch: true } : {}),
  };
}

/** Runs the round's calls at once, each within `TOOL_TIMEOUT_MS`, all within the turn's deadline. */
export async function runToolRound(
  tools: TurnTools,
  completion: CompletionResult,
  target: { reply: ReplyStream; log: Logger; deadline: number; now: () => number; stop?: AbortSignal },
): Promise<ToolRound> {
  const calls = completion.toolCalls ?? [];
  // The names come from the servers: only plain characters reach a status line.
  const names = calls.map((call) => displayNameOf(tools, call.name).replace(/[^A-Za-z0-9_.-]/g, '_'));
  await target.reply.showToolUse?.([...new Set(names)]).catch((error: unknown) => {
    target.log.warn({ err: error }, 'could not show the tool status');
  });
  const context = {
    reply: target.reply,
    answers: tools.answers,
    asker: tools.asker,
    timeoutMs: tools.registry.settings.confirmTimeoutMs,
    signal: target.stop ?? new AbortController().signal,
    log: target.log,
  };
  let waitedMs = 0;
  const results = await Promise.all(
    calls.map(async (call) => {
      const match = tools.offered.find((tool) => tool.definition.name === call.name);
      const asked = target.now();
      const confirmation = match?.confirm ? await confirmToolCall(context, match, call) : undefined;
      // A person's answer is not bounded by the deadline: it moves on by the time spent waiting.
      const waited = target.now() - asked;
      waitedMs = Math.max(waitedMs, waited);
      const signal = AbortSignal.any([
        AbortSignal.timeout(Math.max(1, target.deadline + waited - target.now())),
        ...(target.stop ? [target.stop] : []),
      ]);
      return tools.registry.run(call, tools.offered, signal, confirmation);
    }),
  );
  return {
    messages: [
      { role: 'assistant', content: completion.text, toolCalls: calls },
      ...results.map((result) => ({
        role: 'tool' as const,
        content: result.text,
        toolCallId: result.call.id,
        toolName: result.displayName,
      })),
    ],
    used: results
      .filter((result) => result.outcome !== 'unknown' && result.outcome !== 'declined')
      .map((result) => result.displayName),
    waitedMs,
  };
}

/**
 * The request that gives a round's results back. A Responses API round is stored server-side, so only the
 * results travel (chained to it, instructions resent); otherwise the whole request grows by the exchange.
 */
export function continuation(
  request: CompletionRequest,
  completion: CompletionResult,
  exchange: readonly ChatMessage[],
  chainsResponses: boolean,
): CompletionRequest {
  if (chainsResponses && completion.responseId !== undefined) {
    return {
      ...request,
      messages: [
        ...request.messages.filter((message) => message.role === 'system'),
        ...exchange.filter((message) => message.role === 'tool'),
      ],
      previousResponseId: completion.responseId,
    };
  }
  return { ...request, messages: [...request.messages, ...exchange] };
}

/**
 * A final round that still only called tools (a server that ignores a request without tools) has no answer to
 * post: that is a failure of the model, not an empty reply.
 */
export function unansweredToolCalls(completion: CompletionResult): ModelError | undefined {
  if (!completion.toolCalls?.length || completion.text.trim() !== '') return undefined;
  return new ModelError('The model kept asking for tools and gave no answer within MAX_TOOL_ROUNDS', {
    isRetryable: false,
    kind: 'empty_reply',
    model: completion.model,
  });
}

/** Usage of all rounds added up; the cost is unknown if any round's was. */
export function sumRounds(rounds: readonly CompletionResult[]): Pick<CompletionResult, 'usage' | 'costUsd'> {
  let promptTokens = 0;
  let completionTokens = 0;
  let costUsd: number | null = 0;
  for (const round of rounds) {
    promptTokens += round.usage.promptTokens;
    completionTokens += round.usage.completionTokens;
    costUsd = costUsd === null || round.costUsd === null ? null : costUsd + round.costUsd;
  }
  return { usage: { promptTokens, completionTokens }, costUsd };
}

function displayNameOf(tools: TurnTools, modelName: string): string {
  const match = tools.offered.find((tool) => tool.definition.name === modelName);
  return match ? `${match.server}.${match.tool}` : modelName;
}
