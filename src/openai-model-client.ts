import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { ModelError } from './errors.ts';
import type { Logger } from './logger.ts';
import type {
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  CompletionUsage,
  ModelClient,
} from './model-client.ts';
import { costOf } from './prices.ts';

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

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

// Reasoning models reject `max_tokens` and any non-default temperature. Everything else, including most
// OpenAI-compatible local servers, understands `max_tokens`, while not all of them know the newer name.
const REASONING_MODEL = /^(openai\/)?(o\d|gpt-5)/i;

// Per-message framing the API adds around content; only used for the local estimate, so roughly right is enough.
const TOKENS_PER_MESSAGE = 4;
const TOKENS_REPLY_PRIMING = 3;

const defaultEstimate = (text: string) => Math.ceil(text.length / 4);

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

/**
 * The SDK sleeps for whatever `retry-after` says, without a ceiling and deaf to abort signals. Past the cap we
 * tell it not to retry (`x-should-retry: false`), so the error reaches the caller with `retryAfterSeconds` and the
 * queue decides when to try again instead of a worker sleeping for minutes.
 */
function capRetryAfter(maxSeconds: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.ok) return response;
    const seconds = retryAfterSeconds(response.headers);
    if (seconds === undefined || seconds <= maxSeconds) return response;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
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

function abortedError(reason: unknown): ModelError {
  // Retryable: the request itself was fine, it was interrupted (typically by a shutdown), so the turn may run again.
  return new ModelError('The model request was aborted', { isRetryable: true, cause: reason });
}

function describeEndpoint(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'the model endpoint';
  }
}

/** Removes the configured key and anything shaped like an OpenAI key from text bound for errors and logs. */
function secretRedactor(apiKey: string | undefined): (text: string) => string {
  return (text) => {
    let clean = text;
    if (apiKey && apiKey.length >= 4) clean = clean.split(apiKey).join('[redacted]');
    return clean.replace(/\bsk-[A-Za-z0-9_*.-]{4,}/g, '[redacted]');
  };
}

const RETRYABLE_STATUS = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500;

const STATUS_HINTS: Record<number, string> = {
  401: 'check OPENAI_API_KEY',
  403: 'check the key’s permissions and OPENAI_BASE_URL',
  404: 'check MODEL and OPENAI_BASE_URL',
};

interface ErrorContext {
  endpoint: string;
  timeoutMs: number;
  redact: (text: string) => string;
  outerSignal: AbortSignal | undefined;
}

/** Maps whatever the SDK or the stream threw to a `ModelError` that says whether to try again. */
function toModelError(error: unknown, context: ErrorContext): ModelError {
  if (error instanceof ModelError) return error;
  if (context.outerSignal?.aborted) return abortedError(context.outerSignal.reason);
  if (error instanceof OpenAI.APIUserAbortError) return abortedError(error);
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelError(
      `The model request to ${context.endpoint} timed out after ${context.timeoutMs} ms`,
      {
        isRetryable: true,
        cause: error,
      },
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ModelError(`Could not reach the model endpoint ${context.endpoint}`, {
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIError) {
    const cause = safeCause(error, context.redact);
    const status = error.status;
    const detail = shorten(context.redact(apiErrorMessage(error)));
    const contentFiltered = error.code === 'content_filter' || error.code === 'content_policy_violation';
    if (status === undefined) {
      // An error event inside an already-started stream: no status; transient unless it blames the request.
      return new ModelError(`The model stream from ${context.endpoint} reported an error: ${detail}`, {
        isRetryable: !contentFiltered && error.type !== 'invalid_request_error',
        cause,
      });
    }
    const hint = STATUS_HINTS[status];
    return new ModelError(
      `The model endpoint ${context.endpoint} answered ${status}: ${detail}${hint ? ` (${hint})` : ''}`,
      {
        isRetryable: !contentFiltered && RETRYABLE_STATUS(status),
        status,
        retryAfterSeconds: retryAfterSeconds(error.headers),
        cause,
      },
    );
  }
  // Anything else broke the stream itself: the socket closed mid-reply (undici's "terminated"), bad SSE JSON.
  const reason = error instanceof Error ? error.message : String(error);
  return new ModelError(
    `The model stream from ${context.endpoint} broke off: ${shorten(context.redact(reason))}`,
    {
      isRetryable: true,
      cause: error,
    },
  );
}

/**
 * The SDK error as a cause, unless its text carries the key (a 401 body can quote it): then a plain error with
 * the redacted message, so a logger that serialises causes cannot leak it.
 */
function safeCause(error: InstanceType<typeof OpenAI.APIError>, redact: (text: string) => string): Error {
  const text = `${error.message} ${JSON.stringify(error.error) ?? ''}`;
  if (redact(text) === text) return error;
  const clean = new Error(redact(error.message));
  clean.name = error.name;
  return clean;
}

function apiErrorMessage(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message) return body.message;
  // The SDK's own message starts with the status, which the caller adds anyway.
  return error.message.replace(/^\d{3}\s+/, '');
}

function shorten(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const milliseconds = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds / 1000;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
