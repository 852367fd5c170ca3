import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { FunctionTool, ResponseInputItem } from 'openai/resources/responses/responses';
import type { ChatMessage, ToolDefinition } from './model-client.ts';

/**
 * How tool calls and results go on the wire: Chat Completions carries them as an assistant message with
 * `tool_calls` and one `tool` message per result; the Responses API as `function_call` and
 * `function_call_output` input items matched by `call_id`.
 */

/** Whether the message is part of a tool exchange (an assistant calling tools, or a tool's result). */
export function isToolExchange(message: ChatMessage): boolean {
  return message.role === 'tool' || (message.toolCalls !== undefined && message.toolCalls.length > 0);
}

/** A tool exchange message as a Chat Completions `messages` entry. */
export function toChatToolMessage(message: ChatMessage): ChatCompletionMessageParam {
  if (message.role === 'tool') {
    return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
  }
  return {
    role: 'assistant',
    // Some servers reject an empty string next to tool calls; null is what OpenAI itself sends back.
    content: message.content === '' ? null : message.content,
    tool_calls: (message.toolCalls ?? []).map((call) => ({
      id: call.id,
      type: 'function' as const,
      function: { name: call.name, arguments: call.arguments },
    })),
  };
}

/** A tool exchange message as Responses API input items. */
export function toResponsesToolItems(message: ChatMessage): ResponseInputItem[] {
  if (message.role === 'tool') {
    return [{ type: 'function_call_output', call_id: message.toolCallId ?? '', output: message.content }];
  }
  const items: ResponseInputItem[] = [];
  if (message.content !== '') items.push({ role: 'assistant', content: message.content });
  for (const call of message.toolCalls ?? []) {
    items.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: call.arguments });
  }
  return items;
}

/** The request's tools as Chat Completions `tools`. */
export function toChatTools(tools: readonly ToolDefinition[]): ChatCompletionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

/** The request's tools as Responses API function tools (not strict: MCP schemas are not written for it). */
export function toResponsesTools(tools: readonly ToolDefinition[]): FunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    strict: false,
  }));
}
