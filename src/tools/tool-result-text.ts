import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TokenCounter } from '../model/token-counter.ts';
import { truncateWithMarker } from '../prompt/truncate.ts';

/** Characters per token assumed when cutting a huge result before it is tokenized (tokenizing megabytes is slow). */
const CHARACTERS_PER_TOKEN_BOUND = 8;

/**
 * What the model reads of a tool's result: its text parts, resources by their text or URI, images and audio
 * named (the model is not shown them), structured content as JSON when there is no text. A result the tool
 * marked `isError` says so. Never empty, since an empty tool message is rejected by some servers.
 */
export function toolResultText(result: CallToolResult): string {
  const parts: string[] = [];
  for (const item of result.content ?? []) {
    if (item.type === 'text') parts.push(item.text);
    else if (item.type === 'resource') {
      const resource = item.resource as { uri: string; text?: string };
      parts.push(typeof resource.text === 'string' ? resource.text : `[resource ${resource.uri}]`);
    } else if (item.type === 'resource_link') parts.push(`[resource ${item.uri}]`);
    else parts.push(`[${item.type} omitted]`);
  }
  if (parts.length === 0 && result.structuredContent !== undefined) {
    parts.push(JSON.stringify(result.structuredContent));
  }
  const text = parts.join('\n').trim() || '(the tool returned nothing)';
  return result.isError ? `The tool reported an error: ${text}` : text;
}

/** The result cut to `maxTokens` with a visible `…[truncated N tokens]` marker when it is longer. */
export function capToolResult(text: string, maxTokens: number, counter: TokenCounter): string {
  const bounded = text.length > maxTokens * CHARACTERS_PER_TOKEN_BOUND;
  const head = bounded ? text.slice(0, maxTokens * CHARACTERS_PER_TOKEN_BOUND) : text;
  const cut = truncateWithMarker(counter, head, maxTokens, 'head');
  if (!bounded || cut.truncated) return cut.text;
  return `${cut.text}\n…[truncated]`;
}
