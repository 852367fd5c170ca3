import OpenAI from 'openai';
import type { EasyInputMessage, ResponseCreateParamsStreaming } from 'openai/resources/responses/responses';
import { PreviousResponseLostError } from '../app/errors.ts';
import { costOf } from '../usage/prices.ts';
import { createOpenAISdk } from './create-openai-sdk.ts';
import type {
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  CompletionUsage,
  ModelClient,
} from './model-client.ts';
import { describeEndpoint, secretRedactor } from './openai-errors.ts';
import {
  defaultEstimate,
  OPENAI_BASE_URL,
  type OpenAIModelClientOptions,
  REASONING_MODEL,
} from './openai-model-client.ts';
import { createResponsesStreamReader } from './responses-stream-reader.ts';
import { streamCompletion } from './stream-completion.ts';

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
 * caller can resend the conversation from its own transcript. The stream's life is `streamCompletion`'s; what its
 * events mean is `createResponsesStreamReader`'s.
 */
export function createOpenAIResponsesModelClient(options: OpenAIModelClientOptions): ModelClient {
  const estimate = options.estimateTokens ?? defaultEstimate;
  const baseUrl = options.baseUrl ?? OPENAI_BASE_URL;
  const sdk = createOpenAISdk(options, baseUrl);
  const reasoningModel = REASONING_MODEL.test(options.model);
  const endpoint = describeEndpoint(baseUrl);
  const redact = secretRedactor(options.apiKey);

  async function complete(request: CompletionRequest): Promise<CompletionResult> {
    const started = Date.now();
    const { previousResponseId } = request;
    let lost: PreviousResponseLostError | undefined;
    const reply = await streamCompletion(
      {
        open: (signal) => sdk.responses.create(toRequestBody(request, options, reasoningModel), { signal }),
        signal: request.signal,
        onDelta: request.onDelta,
        timeoutMs: options.timeoutMs,
        endpoint,
        redact,
        mapError: (error) => {
          lost = lostChain(error, previousResponseId);
          return lost;
        },
        onFailure: (error) =>
          options.logger?.debug(
            {
              status: error.status,
              isRetryable: error.isRetryable,
              chainLost: lost !== undefined,
              durationMs: Date.now() - started,
              err: error.message,
            },
            'model response failed',
          ),
      },
      createResponsesStreamReader({ model: options.model, endpoint, redact, previousResponseId }),
    );

    const usage = reply.usage ?? estimateUsage(request.messages, reply.text, estimate);
    const costUsd = costOf(reply.model, usage) ?? costOf(options.model, usage);
    options.logger?.debug(
      {
        model: reply.model,
        responseId: reply.responseId,
        chained: previousResponseId !== undefined,
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        usageEstimated: reply.usage === undefined,
        costUsd,
        finishReason: reply.finishReason,
        durationMs: Date.now() - started,
      },
      'model response finished',
    );
    const { text, model, finishReason, responseId } = reply;
    return { text, usage, costUsd, model, finishReason, responseId };
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

function estimateUsage(
  messages: ChatMessage[],
  reply: string,
  estimate: (text: string) => number,
): CompletionUsage {
  let promptTokens = 0;
  for (const message of messages) promptTokens += estimate(message.content);
  return { promptTokens, completionTokens: estimate(reply) };
}
