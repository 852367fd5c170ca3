import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { createChatToolCallDeltas } from './chat-tool-call-deltas.ts';
import type { CompletionUsage } from './model-client.ts';
import {
  contentFilterError,
  type ErrorOrigin,
  emptyReplyError,
  unfinishedStreamError,
} from './openai-errors.ts';
import type { StreamedReply, StreamReader } from './stream-completion.ts';

/**
 * Reads a chat-completions stream (`stream: true`, `stream_options.include_usage`): the text and refusal
 * deltas of choice 0, its finish reason, the answering model and the last usage reported.
 *
 * The answer is `delta.content` only: a string, or (Mistral's Magistral) an array of parts of which only the
 * `text` parts are the answer. Reasoning never is — `thinking` parts, DeepSeek's and xAI's `reasoning_content`,
 * Groq's `reasoning` — so none of it reaches `emit` or the reply.
 *
 * A stream without a finish reason broke off and is a retryable error, never a half reply; a reply stopped by
 * the content filter is not retryable; a refusal stands in for the text when there is no other text.
 */
export function createChatCompletionReader(
  origin: ErrorOrigin & { model: string },
): StreamReader<ChatCompletionChunk, StreamedReply> {
  let text = '';
  let refusal = '';
  let finishReason: string | null = null;
  let model = origin.model;
  let usage: CompletionUsage | undefined;
  const filtered = new Set<string>();
  const toolCalls = createChatToolCallDeltas();

  return {
    read(chunk, emit) {
      if (chunk.model) model = chunk.model;
      if (chunk.usage) {
        usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const cached = chunk.usage.prompt_tokens_details?.cached_tokens;
        if (typeof cached === 'number' && cached > 0) usage.cachedPromptTokens = cached;
      }
      const choice = chunk.choices?.find((candidate) => candidate.index === 0);
      if (!choice) return;
      const delta = answerText(choice.delta?.content);
      if (delta) {
        text += delta;
        emit(delta);
      }
      if (choice.delta?.refusal) refusal += choice.delta.refusal;
      toolCalls.add(choice.delta?.tool_calls);
      for (const category of filteredCategories(choice)) filtered.add(category);
      if (choice.finish_reason) finishReason = choice.finish_reason;
    },

    finish() {
      if (finishReason === null) throw unfinishedStreamError(origin);
      if (finishReason === 'content_filter') {
        const flagged = filtered.size > 0 ? `filtered: ${[...filtered].join(', ')}` : undefined;
        throw contentFilterError(origin, flagged);
      }
      const calls = toolCalls.calls();
      // A round that only calls tools has no text, and needs none: the answer comes after the results.
      if (calls.length > 0) return { text, finishReason, model, usage, toolCalls: calls };
      const reply = text === '' ? refusal : text;
      if (reply === '') throw emptyReplyError(finishReason, true, origin);
      return { text: reply, finishReason, model, usage };
    },
  };
}

/**
 * The answer in a `delta.content`: the string itself, or the text of its `text` parts. The SDK types it as a
 * string, but Magistral streams `[{type: "thinking", thinking: [...]}, {type: "text", text: "…"}]`; a
 * `thinking` part nests `text` parts of its own, which are reasoning, so parts are not searched recursively.
 */
export function answerText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (typeof part !== 'object' || part === null) continue;
    const { type, text: partText } = part as { type?: unknown; text?: unknown };
    if (type === 'text' && typeof partText === 'string') text += partText;
  }
  return text;
}

/** Azure's per-choice `content_filter_results`: the categories it filtered, to say what stopped a reply. */
function filteredCategories(choice: object): string[] {
  const results = (choice as { content_filter_results?: unknown }).content_filter_results;
  if (typeof results !== 'object' || results === null) return [];
  return Object.entries(results)
    .filter(([, result]) => (result as { filtered?: unknown } | null)?.filtered === true)
    .map(([category]) => category);
}
