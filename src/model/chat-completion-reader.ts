import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from './model-client.ts';
import { contentFilterError, emptyReplyError, unfinishedStreamError } from './openai-errors.ts';
import type { StreamedReply, StreamReader } from './stream-completion.ts';

/**
 * Reads a chat-completions stream (`stream: true`, `stream_options.include_usage`): the text and refusal
 * deltas of choice 0, its finish reason, the answering model and the final usage chunk.
 *
 * A stream without a finish reason broke off and is a retryable error, never a half reply; a reply stopped by
 * the content filter is not retryable; a refusal stands in for the text when there is no other text.
 */
export function createChatCompletionReader(
  configuredModel: string,
  endpoint: string,
): StreamReader<ChatCompletionChunk, StreamedReply> {
  let text = '';
  let refusal = '';
  let finishReason: string | null = null;
  let model = configuredModel;
  let usage: CompletionUsage | undefined;

  return {
    read(chunk, emit) {
      if (chunk.model) model = chunk.model;
      if (chunk.usage) {
        usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
      const choice = chunk.choices.find((candidate) => candidate.index === 0);
      if (!choice) return;
      const delta = choice.delta?.content;
      if (delta) {
        text += delta;
        emit(delta);
      }
      if (choice.delta?.refusal) refusal += choice.delta.refusal;
      // Tool calls would be accumulated here: `choice.delta.tool_calls` arrive in pieces, merged by `index`.
      if (choice.finish_reason) finishReason = choice.finish_reason;
    },

    finish() {
      if (finishReason === null) throw unfinishedStreamError(endpoint);
      if (finishReason === 'content_filter') throw contentFilterError();
      const reply = text === '' ? refusal : text;
      if (reply === '') throw emptyReplyError(finishReason, true);
      return { text: reply, finishReason, model, usage };
    },
  };
}
