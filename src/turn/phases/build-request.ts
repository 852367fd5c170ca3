import type { StoredMessage } from '../../history/history-store.ts';
import type { CompletionRequest } from '../../model/model-client.ts';
import { assemblePrompt } from '../../prompt/assemble-prompt.ts';
import { type LoadedTurn, loadHistoryWindow } from './load-turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What building a request draws on. */
export type RequestDependencies = Pick<
  TurnDependencies,
  'store' | 'model' | 'counter' | 'prompt' | 'historyBudget'
>;

/**
 * The turn's first model request. Responses API mode continues the server-side chain, so only the system
 * prompt and the new message travel; otherwise the whole prompt is assembled from the stored history.
 */
export async function buildRequest(
  deps: RequestDependencies,
  loaded: LoadedTurn,
): Promise<CompletionRequest> {
  const { responseId } = loaded.meta;
  if (deps.model.chainsResponses && responseId !== undefined) return chainedRequest(deps, loaded, responseId);
  return buildFullRequest(deps, loaded);
}

/**
 * The whole conversation within the token budget: persona or system prompt, summary, the history window (read
 * from the store unless given) and the seeded thread context, then the user's message.
 */
export async function buildFullRequest(
  deps: RequestDependencies,
  loaded: LoadedTurn,
  window?: StoredMessage[],
): Promise<CompletionRequest> {
  const history = window ?? (await loadHistoryWindow(deps, loaded.turn.sessionId));
  const prompt = assemblePrompt({
    systemPrompt: deps.prompt.systemPrompt,
    persona: loaded.persona,
    summary: loaded.meta.summary,
    history: [...history, ...loaded.seeded],
    pending: [loaded.userMessage],
    maxContextTokens: deps.prompt.maxContextTokens,
    maxReplyTokens: deps.prompt.maxReplyTokens,
    maxHistoryMessages: deps.prompt.maxHistoryMessages,
    counter: deps.counter,
  });
  return { messages: prompt.messages };
}

function chainedRequest(
  deps: RequestDependencies,
  loaded: LoadedTurn,
  previousResponseId: string,
): CompletionRequest {
  const prompt = assemblePrompt({
    systemPrompt: deps.prompt.systemPrompt,
    persona: loaded.persona,
    history: [],
    pending: [loaded.userMessage],
    maxContextTokens: deps.prompt.maxContextTokens,
    maxReplyTokens: deps.prompt.maxReplyTokens,
    counter: deps.counter,
  });
  return { messages: prompt.messages, previousResponseId };
}
