import type { StoredMessage } from '../history/history-store.ts';
import type { TokenCounter } from '../model/token-counter.ts';

/**
 * A tool exchange — an assistant message calling tools and the results that answer it — is one unit in a prompt:
 * both APIs reject a tool result whose call is not in the conversation, and a call whose results are missing.
 * Trimming keeps or drops such a unit whole; its messages are never merged with their neighbours.
 */

/** What a prompt part carries of a tool exchange. */
export interface ToolExchangeFields {
  /** An assistant part's tool calls. */
  toolCalls?: StoredMessage['toolCalls'];
  /** A tool part's call id. */
  toolCallId?: string;
}

/** The tool fields of a message, for the part it becomes (empty for ordinary messages). */
export function toolExchangeFields(
  message: Pick<StoredMessage, 'toolCalls' | 'toolCallId'>,
): ToolExchangeFields {
  const fields: ToolExchangeFields = {};
  if (message.toolCalls && message.toolCalls.length > 0) fields.toolCalls = message.toolCalls;
  if (message.toolCallId !== undefined) fields.toolCallId = message.toolCallId;
  return fields;
}

/** Whether the message (or part) belongs to a tool exchange, and so is never merged. */
export function isToolExchangePart(part: { role: string } & ToolExchangeFields): boolean {
  return part.role === 'tool' || (part.toolCalls !== undefined && part.toolCalls.length > 0);
}

/** Tokens a message's tool calls add to its content (their names and arguments, as the API encodes them). */
export function toolCallTokens(message: Pick<StoredMessage, 'toolCalls'>, counter: TokenCounter): number {
  let tokens = 0;
  for (const call of message.toolCalls ?? [])
    tokens += counter.count(call.name) + counter.count(call.arguments);
  return tokens;
}

/**
 * The parts (oldest first) with every broken unit left out: a tool result whose call is not kept right before
 * it, and a call whose results do not all follow it. Ordinary parts are kept as they are.
 */
export function keepToolUnitsWhole<Part extends { role: string } & ToolExchangeFields>(
  parts: readonly Part[],
): Part[] {
  const kept: Part[] = [];
  for (let index = 0; index < parts.length; ) {
    const part = parts[index]!;
    if (part.role === 'tool') {
      index++; // A result not taken with its call below has lost it.
      continue;
    }
    if (!part.toolCalls || part.toolCalls.length === 0) {
      kept.push(part);
      index++;
      continue;
    }
    let end = index + 1;
    while (end < parts.length && parts[end]!.role === 'tool') end++;
    const results = parts.slice(index + 1, end);
    const answered = new Set(results.map((result) => result.toolCallId));
    if (part.toolCalls.every((call) => answered.has(call.id))) {
      const calls = new Set(part.toolCalls.map((call) => call.id));
      kept.push(part, ...results.filter((result) => calls.has(result.toolCallId ?? '')));
    }
    index = end;
  }
  return kept;
}
