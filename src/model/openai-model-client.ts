import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { Logger } from '../app/logger.ts';
import { createChatCompletionReader } from './chat-completion-reader.ts';
import type {
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  CompletionUsage,
  ModelClient,
} from './model-client.ts';
import { finishedReplyFields, openAIClientSetup, settledUsage } from './openai-client-setup.ts';
import { streamCompletion } from './stream-completion.ts';
import { estimateContentTokens, toChatCompletionMessage } from './to-wire-messages.ts';
import { toChatTools } from './tool-wire-messages.ts';

/** Options of `createOpenAIModelClient`. */
export interface OpenAIModelClientOptions {
  /** API key; local servers (Ollama, vLLM, LM Studio) need none. */
  apiKey?: string;
  /** Base URL of any OpenAI-compatible API, including `/v1`; OpenAI's when unset. */
  baseUrl?: string;
  /** Model name sent with every request. */
  model: string;
  /** Sampling temperature; the endpoint's default when unset (never sent to reasoning models). */
  temperature?: number;
  /** Reply token cap when a request does not set its own. */
  maxReplyTokens: number;
  /** Per attempt: time allowed until the response starts, and the longest silence between stream chunks. */
  timeoutMs: number;
  /** Retries by the SDK (408, 409, 429, 5xx, connection errors, timeouts), honouring `retry-after(-ms)`. */
  maxRetries: number;
  /** Where to log; nothing is logged when unset. */
  logger?: Logger;
  /** Token estimate used when the endpoint reports no usage (default: characters / 4, rounded up). */
  estimateTokens?: (text: string) => number;
  /** Longest `retry-after` the SDK may sleep through; a longer one fails at once, retryable (default 60). */
  maxRetryAfterSeconds?: number;
  /** Which reply-cap parameter to send (default: `max_completion_tokens` for o-series and gpt-5, else `max_tokens`). */
  tokenLimitParameter?: 'max_tokens' | 'max_completion_tokens';
}

// Per-message framing the API adds around content; only used for the local estimate, so roughly right is enough.
const TOKENS_PER_MESSAGE = 4;
const TOKENS_REPLY_PRIMING = 3;

/**
 * A `ModelClient` on the official openai SDK, for OpenAI and any OpenAI-compatible endpoint.
 *
 * Every completion is streamed (`stream_options.include_usage`), so `onDelta` sees the reply as it is written.
 * Retries before the reply starts are the SDK's (`maxRetries`, with its backoff and `retry-after`); a stream
 * that breaks after it started is not retried here but reported as a retryable `ModelError`, because the
 * caller may already have shown part of it (`onDelta`'s whole-text argument lets its retry replace that part). A reply with no text at all is an error too (chat platforms
 * reject empty messages): retryable, except when the token cap was spent before any text (`length`).
 * The stream's life is `streamCompletion`'s; what its chunks mean is `createChatCompletionReader`'s.
 */
export function createOpenAIModelClient(options: OpenAIModelClientOptions): ModelClient {
  const { estimate, sdk, reasoningModel, origin, redact } = openAIClientSetup(options);
  const tokenLimitParameter =
    options.tokenLimitParameter ?? (reasoningModel ? 'max_completion_tokens' : 'max_tokens');

  async function complete(request: CompletionRequest): Promise<CompletionResult> {
    const started = Date.now();
    const reply = await streamCompletion(
      {
        open: (signal) =>
          sdk.chat.completions.create(toRequestBody(request, options, tokenLimitParameter, reasoningModel), {
            signal,
          }),
        signal: request.signal,
        onDelta: request.onDelta,
        timeoutMs: options.timeoutMs,
        ...origin,
        redact,
        onFailure: (error) =>
          options.logger?.debug(
            {
              status: error.status,
              kind: error.kind,
              isRetryable: error.isRetryable,
              durationMs: Date.now() - started,
              err: error.message,
            },
            'model completion failed',
          ),
      },
      createChatCompletionReader(origin),
    );

    const settled = settledUsage(reply, options.model, () =>
      estimateUsage(request.messages, reply.text, estimate),
    );
    const { usage, costUsd } = settled;
    options.logger?.debug(
      { model: reply.model, ...finishedReplyFields(reply, usage, costUsd, started) },
      'model completion finished',
    );
    const { text, model, finishReason, toolCalls } = reply;
    return { text, model, finishReason, ...settled, ...(toolCalls ? { toolCalls } : {}) };
  }

  return { model: options.model, chainsResponses: false, complete };
}

function toRequestBody(
  request: CompletionRequest,
  options: OpenAIModelClientOptions,
  tokenLimitParameter: 'max_tokens' | 'max_completion_tokens',
  reasoningModel: boolean,
): ChatCompletionCreateParamsStreaming {
  const body: ChatCompletionCreateParamsStreaming = {
    model: options.model,
    messages: request.messages.map(toChatCompletionMessage),
    stream: true,
    stream_options: { include_usage: true },
    [tokenLimitParameter]: request.maxTokens ?? options.maxReplyTokens,
  };
  if (options.temperature !== undefined && !reasoningModel) body.temperature = options.temperature;
  if (request.tools && request.tools.length > 0) body.tools = toChatTools(request.tools);
  return body;
}

function estimateUsage(
  messages: ChatMessage[],
  reply: string,
  estimate: (text: string) => number,
): CompletionUsage {
  let promptTokens = TOKENS_REPLY_PRIMING;
  for (const message of messages)
    promptTokens += TOKENS_PER_MESSAGE + estimateContentTokens(message, estimate);
  return { promptTokens, completionTokens: estimate(reply) };
}
