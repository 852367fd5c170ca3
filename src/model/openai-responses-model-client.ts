import OpenAI from 'openai';
import type {
  EasyInputMessage,
  Response,
  ResponseCreateParamsStreaming,
} from 'openai/resources/responses/responses';
import { ModelError, PreviousResponseLostError } from '../app/errors.ts';
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
  shorten,
  toModelError,
} from './openai-errors.ts';
import {
  defaultEstimate,
  OPENAI_BASE_URL,
  type OpenAIModelClientOptions,
  REASONING_MODEL,
} from './openai-model-client.ts';

// `response.failed` codes that say "try again later"; the others (invalid prompt, image problems, policy) blame
// the request itself.
const TRANSIENT_FAILURE_CODES = new Set(['server_error', 'rate_limit_exceeded', 'vector_store_timeout']);
// An `error` event is transient unless its code blames the request.
const REQUEST_FAULT_CODE = /invalid|policy|filter|context_length|image|not_found|unsupported/i;

/**
 * A `ModelClient` on the OpenAI Responses API (`POST /v1/responses`), which keeps the conversation server-side:
 * with `previousResponseId` only the new turn is sent and the server prepends the stored chain.
 *
 * Takes the chat client's options; `tokenLimitParameter` is ignored (the Responses API has only
 * `max_output_tokens`). System messages become `instructions` — sent on every call, because the API does not
 * carry instructions over from the previous response — and the rest become `input` messages. Every response is
 * stored (`store: true`) so the next turn can chain to it.
 *
 * Same failure conventions as the chat client: SDK retries before the reply starts, a stream that breaks or ends
 * without `response.completed`/`response.incomplete` is a retryable `ModelError`, never a half reply. A chain the
 * server no longer has (`previous_response_not_found`, or a 404 about it) is a `PreviousResponseLostError`, so the
 * caller can resend the conversation from its own transcript.
 */
export function createOpenAIResponsesModelClient(options: OpenAIModelClientOptions): ModelClient {
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
    // Returns the callback's error, if it threw: that error is the caller's own and goes back unchanged.
    const emit = (delta: string): { error: unknown } | undefined => {
      try {
        request.onDelta?.(delta);
        return undefined;
      } catch (error) {
        callbackError = { error };
        controller.abort();
        return callbackError;
      }
    };
    try {
      const body = toRequestBody(request, options, reasoningModel);
      const stream = await sdk.responses.create(body, { signal: controller.signal });

      // The SDK's timeout ends when the response headers arrive; a stream that goes quiet afterwards would
      // otherwise hold the turn forever.
      idleTimer = setTimeout(() => {
        idleTimedOut = true;
        controller.abort();
      }, options.timeoutMs);

      let text = '';
      let refusal = '';
      let final: Response | undefined;
      let answeredModel = options.model;
      for await (const event of stream) {
        idleTimer.refresh();
        if (event.type === 'response.output_text.delta') {
          text += event.delta;
          if (emit(event.delta)) break;
        } else if (event.type === 'response.refusal.delta') {
          refusal += event.delta;
        } else if (event.type === 'response.created' || event.type === 'response.in_progress') {
          if (event.response.model) answeredModel = event.response.model;
        } else if (event.type === 'response.completed' || event.type === 'response.incomplete') {
          final = event.response;
        } else if (event.type === 'response.failed') {
          throw failedResponseError(event.response, endpoint, redact);
        } else if (event.type === 'error') {
          throw streamErrorEvent(event, request.previousResponseId, endpoint, redact);
        }
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
      if (!final) {
        throw new ModelError(`The model stream from ${endpoint} ended before the reply was finished`, {
          isRetryable: true,
        });
      }
      if (final.model) answeredModel = final.model;
      const incomplete = final.status === 'incomplete' ? final.incomplete_details?.reason : undefined;
      if (incomplete === 'content_filter') {
        throw new ModelError(`The endpoint's content filter stopped the reply`, { isRetryable: false });
      }
      const finishReason = final.status === 'incomplete' ? 'length' : 'stop';
      if (text === '') {
        // Servers that skip the delta events still put the text in the final response.
        const whole = outputText(final) || refusal;
        const failed = whole ? emit(whole) : undefined;
        if (failed) throw failed.error;
        text = whole;
      }
      if (text === '') {
        throw finishReason === 'length'
          ? new ModelError(
              'The model used its whole reply budget without writing any text; raise MAX_REPLY_TOKENS',
              { isRetryable: false },
            )
          : new ModelError('The model returned an empty reply', { isRetryable: true });
      }

      const reported: CompletionUsage | undefined = final.usage
        ? { promptTokens: final.usage.input_tokens, completionTokens: final.usage.output_tokens }
        : undefined;
      const usage = reported ?? estimateUsage(request.messages, text, estimate);
      const costUsd = costOf(answeredModel, usage) ?? costOf(options.model, usage);
      options.logger?.debug(
        {
          model: answeredModel,
          responseId: final.id,
          chained: request.previousResponseId !== undefined,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          usageEstimated: reported === undefined,
          costUsd,
          finishReason,
          durationMs: Date.now() - started,
        },
        'model response finished',
      );
      return { text, usage, costUsd, model: answeredModel, finishReason, responseId: final.id };
    } catch (error) {
      if (callbackError && error === callbackError.error) throw error;
      const lost = lostChain(error, request.previousResponseId);
      const modelError =
        lost ?? toModelError(error, { endpoint, timeoutMs: options.timeoutMs, redact, outerSignal });
      options.logger?.debug(
        {
          status: modelError.status,
          isRetryable: modelError.isRetryable,
          chainLost: lost !== undefined,
          durationMs: Date.now() - started,
          err: modelError.message,
        },
        'model response failed',
      );
      throw modelError;
    } finally {
      clearTimeout(idleTimer);
      outerSignal?.removeEventListener('abort', onOuterAbort);
    }
  }

  return { model: options.model, chainsResponses: true, complete };
}

function toRequestBody(
  request: CompletionRequest,
  options: OpenAIModelClientOptions,
  reasoningModel: boolean,
): ResponseCreateParamsStreaming {
  const instructions: string[] = [];
  const input: EasyInputMessage[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') instructions.push(message.content);
    else input.push({ role: message.role, content: message.content });
  }
  const body: ResponseCreateParamsStreaming = {
    model: options.model,
    input,
    stream: true,
    // The chain only exists if every response is stored.
    store: true,
    max_output_tokens: request.maxTokens ?? options.maxReplyTokens,
  };
  if (instructions.length > 0) body.instructions = instructions.join('\n\n');
  if (request.previousResponseId !== undefined) body.previous_response_id = request.previousResponseId;
  if (options.temperature !== undefined && !reasoningModel) body.temperature = options.temperature;
  return body;
}

/**
 * The chain's head is gone when OpenAI answers `previous_response_not_found` (a 400, or an `error` event), or a
 * compatible server answers 404 for it. A 404 about the model is a configuration error, not a lost chain.
 */
function lostChain(
  error: unknown,
  previousResponseId: string | undefined,
): PreviousResponseLostError | undefined {
  if (previousResponseId === undefined || !(error instanceof OpenAI.APIError)) return undefined;
  if (error instanceof OpenAI.APIUserAbortError || error instanceof OpenAI.APIConnectionError)
    return undefined;
  const message = typeof error.message === 'string' ? error.message : '';
  const lost =
    error.code === 'previous_response_not_found' ||
    (error.status === 404 && error.code !== 'model_not_found') ||
    (error.status === 400 && error.param === 'previous_response_id' && /not found/i.test(message));
  return lost
    ? new PreviousResponseLostError(previousResponseId, { status: error.status, cause: error })
    : undefined;
}

function failedResponseError(
  response: Response,
  endpoint: string,
  redact: (text: string) => string,
): ModelError {
  const code = response.error?.code ?? 'unknown';
  const detail = shorten(redact(response.error?.message ?? 'no details'));
  return new ModelError(`The model response from ${endpoint} failed (${code}): ${detail}`, {
    isRetryable: TRANSIENT_FAILURE_CODES.has(code),
  });
}

function streamErrorEvent(
  event: { code: string | null; message: string },
  previousResponseId: string | undefined,
  endpoint: string,
  redact: (text: string) => string,
): ModelError {
  if (event.code === 'previous_response_not_found' && previousResponseId !== undefined) {
    return new PreviousResponseLostError(previousResponseId);
  }
  const detail = shorten(redact(event.message ?? ''));
  return new ModelError(
    `The model stream from ${endpoint} reported an error${event.code ? ` (${event.code})` : ''}: ${detail}`,
    { isRetryable: !(event.code && REQUEST_FAULT_CODE.test(event.code)) },
  );
}

function outputText(response: Response): string {
  let text = '';
  for (const item of response.output ?? []) {
    if (item.type !== 'message') continue;
    for (const part of item.content) if (part.type === 'output_text') text += part.text;
  }
  return text;
}

function estimateUsage(
  messages: ChatMessage[],
  reply: string,
  estimate: (text: string) => number,
): CompletionUsage {
  let promptTokens = 0;
  for (const message of messages) promptTokens += estimate(message.content);
  return { promptTokens, completionTokens: estimate(reply) };
}
