import type { ChatMessage, CompletionRequest } from '../../model/model-client.ts';
import type { TokenCounter } from '../../model/token-counter.ts';
import { toolCallTokens } from '../../prompt/tool-units.ts';

/** What fitting a follow-up request draws on. */
export interface FollowUpBudget {
  /** Counter of the model's encoding. */
  counter: TokenCounter;
  /** Tokens the prompt may take: the context budget minus the reply's. */
  maxTokens: number;
  /** Where the turn's own messages start in the request (its user message(s), then its tool rounds). */
  turnStart: number;
}

/** What a result left out to fit the context window says instead. */
export const DROPPED_RESULT_TEXT = '[This tool result was left out to fit the context window.]';

/**
 * A request of a later tool round within the budget again: each round adds calls and results, which the first
 * request's trimming never saw. The older conversation gives way first, a whole tool unit (a call with its
 * results) or message at a time from the oldest side; the system prompt and summary stay. The turn's own
 * messages stay too; only if they alone overflow are its oldest results replaced by a short marker (the call
 * keeps its answer, which the APIs require). A chained request (Responses API) carries only the new results
 * and is left as it is.
 */
export function fitFollowUp(request: CompletionRequest, budget: FollowUpBudget): CompletionRequest {
  if (request.previousResponseId !== undefined) return request;
  const { counter, maxTokens } = budget;
  const messages = [...request.messages];
  const cost = (message: ChatMessage) =>
    counter.messageTokens({ role: message.role, content: message.content }) +
    toolCallTokens(message, counter);
  // The reply priming: what `promptTokens` adds to the messages' own costs.
  let total = counter.promptTokens([]) + messages.reduce((sum, message) => sum + cost(message), 0);
  if (total <= maxTokens) return request;
  let head = 0;
  while (head < messages.length && messages[head]!.role === 'system') head++;
  let turnStart = Math.max(head, Math.min(budget.turnStart, messages.length));
  while (total > maxTokens && head < turnStart) {
    const end = unitEnd(messages, head, turnStart);
    for (const message of messages.splice(head, end - head)) total -= cost(message);
    turnStart -= end - head;
  }
  for (let index = turnStart; total > maxTokens && index < messages.length; index++) {
    const message = messages[index]!;
    if (message.role !== 'tool' || message.content === DROPPED_RESULT_TEXT) continue;
    const shorter = { ...message, content: DROPPED_RESULT_TEXT };
    total += cost(shorter) - cost(message);
    messages[index] = shorter;
  }
  return { ...request, messages };
}

/** Where the unit starting at `start` ends: a call with the results after it, or one message. */
function unitEnd(messages: readonly ChatMessage[], start: number, limit: number): number {
  let end = start + 1;
  // The results after a call go with it; results whose call is already gone go too.
  while (end < limit && messages[end]!.role === 'tool') end++;
  return end;
}

/** How many of a first request's messages are the turn's own: the run of user messages at its end. */
export function ownMessageCount(request: CompletionRequest): number {
  let start = request.messages.length;
  while (start > 0 && request.messages[start - 1]!.role === 'user') start--;
  return request.messages.length - start;
}
