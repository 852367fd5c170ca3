import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { ModelError } from '../app/errors.ts';
import type { Logger } from '../app/logger.ts';
import { costOf } from '../usage/prices.ts';
import type {
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  CompletionUsage,
  ModelClient,
} from './model-client.ts';
import {
  abortedError,
  capRetryAfter,
  describeEndpoint,
  secretRedactor,
  toModelError,
} from './openai-errors.ts';

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

/** OpenAI's API, used when no base URL is configured. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

// Reasoning models reject `max_tokens` and any non-default temperature. Everything else, including most
// OpenAI-compatible local servers, understands `max_tokens`, while not all of them know the newer name.
export const REASONING_MODEL = /^(openai\/)?(o\d|gpt-5)/i;

// Per-message framing the API adds around content; only used for the local estimate, so roughly right is enough.
const TOKENS_PER_MESSAGE = 4;
const TOKENS_REPLY_PRIMING = 3;

/** Rough token estimate for endpoints that report no usage. */
export const defaultEstimate = (text: string) => Math.ceil(text.length / 4);

/**
 * A `ModelClient` on the official openai SDK, for OpenAI and any OpenAI-compatible endpoint.
 *
 * Every completion is streamed (`stream_options.include_usage`), so `onDelta` sees the reply as it is written.
 * Retries before the reply starts are the SDK's (`maxRetries`, with its backoff and `retry-after`); a stream
 * that breaks after it started is not retried here but reported as a retryable `ModelError`, because the
 * caller may already have shown part of it. A reply with no text at all is an error too (chat platforms
 * reject empty messages): retryable, except when the token cap was spent before any text (`length`).
 */
export function createOpenAIModelClient(options: OpenAIModelClientOptions): ModelClient {
  const estimate = options.estimateTokens ?? defaultEstimate;
  const baseUrl = options.baseUrl ?? OPENAI_BASE_URL;
  const sdk = new OpenAI({
    apiKey: options.apiKey ?? 'not-needed',
    // Explicit, so a stray OPENAI_BASE_URL in the environment cannot override the parsed configuration.
    baseURL: baseUrl,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    fetch: capRetryAfter(options.maxRetryAfterSeconds ?? 60),
    ...(options.logger
      ? { logger: options.logger.child({ component: 'openai-sdk' }), logLevel: 'warn' }
      : {}),
  });
  const reasoningModel = REASONING_MODEL.test(options.model);
  const tokenLimitParameter =
    options.tokenLimitParameter ?? (reasoningModel ? 'max_completion_tokens' : 'max_tokens');
  const endpoint = describeEndpoint(baseUrl);
  const redact = secretRedactor(options.apiKey);

  async function complete(request: CompletionRequest): Promise<CompletionResult> {
    const started = Date.now();
    const controller = new AbortController();
    const outerSignal = request.signal;
    const onOuterAbort = () => controller.abort(outerSignal?.reason);
    if (outerSignal?.aborted) throw abortedError(outerSignal.reason);
    outerSignal?.addEventListener('abort', onOuterAbort, { once: true });

    let idleTimedOut = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let callbackError: { error: unknown } | undefined;
    try {
      const body: ChatCompletionCreateParamsStreaming = {
        model: options.model,
        messages: request.messages,
        stream: true,
        stream_options: { include_usage: true },
        [tokenLimitParameter]: request.maxTokens ?? options.maxReplyTokens,
      };
      if (options.temperature !== undefined && !reasoningModel) body.temperature = options.temperature;

      const stream = await sdk.chat.completions.create(body, { signal: controller.signal });

      // The SDK's timeout ends when the response headers arrive; a stream that goes quiet afterwards would
      // otherwise hold the turn forever.
      idleTimer = setTimeout(() => {
        idleTimedOut = true;
        controller.abort();
      }, options.timeoutMs);

      let text = '';
      let refusal = '';
      let finishReason: string | null = null;
      let answeredModel = options.model;
      let reported: CompletionUsage | undefined;
      for await (const chunk of stream) {
        idleTimer.refresh();
        if (chunk.model) answeredModel = chunk.model;
        if (chunk.usage) {
          reported = {
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
          };
        }
        const choice = chunk.choices.find((candidate) => candidate.index === 0);
        if (!choice) continue;
        const delta = choice.delta?.content;
        if (delta) {
          text += delta;
          try {
            request.onDelta?.(delta);
          } catch (error) {
            callbackError = { error };
            controller.abort();
            break;
          }
        }
        if (choice.delta?.refusal) refusal += choice.delta.refusal;
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      clearTimeout(idleTimer);

      // The SDK ends the iteration quietly on abort, so each way of stopping early is checked here.
      if (callbackError) throw callbackError.error;
      if (outerSignal?.aborted) throw abortedError(outerSignal.reason);
      if (idleTimedOut) {
        throw new ModelError(`The model stream from ${endpoint} stalled for ${options.timeoutMs} ms`, {
          isRetryable: true,
        });
      }
      if (finishReason === null) {
        throw new ModelError(`The model stream from ${endpoint} ended before the reply was finished`, {
          isRetryable: true,
        });
      }
      if (finishReason === 'content_filter') {
        throw new ModelError(`The endpoint's content filter stopped the reply`, { isRetryable: false });
      }
      if (text === '' && refusal !== '') text = refusal;
      if (text === '') {
        throw finishReason === 'length'
          ? new ModelError(
              'The model used its whole reply budget without writing any text; raise MAX_REPLY_TOKENS',
              { isRetryable: false },
            )
          : new ModelError(`The model returned an empty reply (finish reason ${finishReason})`, {
              isRetryable: true,
            });
      }

      const usage = reported ?? estimateUsage(request.messages, text, estimate);
      const costUsd = costOf(answeredModel, usage) ?? costOf(options.model, usage);
      options.logger?.debug(
        {
          model: answeredModel,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          usageEstimated: reported === undefined,
          costUsd,
          finishReason,
          durationMs: Date.now() - started,
        },
        'model completion finished',
      );
      return { text, usage, costUsd, model: answeredModel, finishReason };
    } catch (error) {
      if (callbackError && error === callbackError.error) throw error;
      const modelError = toModelError(error, { endpoint, timeoutMs: options.timeoutMs, redact, outerSignal });
      options.logger?.debug(
        {
          status: modelError.status,
          isRetryable: modelError.isRetryable,
          durationMs: Date.now() - started,
          err: modelError.message,
        },
        'model completion failed',
      );
      throw modelError;
    } finally {
      clearTimeout(idleTimer);
      outerSignal?.removeEventListener('abort', onOuterAbort);
    }
  }

  return { model: options.model, chainsResponses: false, complete };
}

function estimateUsage(
  messages: ChatMessage[],
  reply: string,
  estimate: (text: string) => number,
): CompletionUsage {
  let promptTokens = TOKENS_REPLY_PRIMING;
  for (const message of messages) promptTokens += TOKENS_PER_MESSAGE + estimate(message.content);
  return { promptTokens, completionTokens: estimate(reply) };
}
