import OpenAI from 'openai';
import type { ResponseCreateParamsStreaming, ResponseInputItem } from 'openai/resources/responses/responses';
import { type ModelError, PreviousResponseLostError } from '../app/errors.ts';
import { classifyEndpointFailure } from './classify-model-error.ts';
import type {
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  CompletionUsage,
  ModelClient,
} from './model-client.ts';
import { finishedReplyFields, openAIClientSetup, settledUsage } from './openai-client-setup.ts';
import { type ErrorContext, toModelError } from './openai-errors.ts';
import type { OpenAIModelClientOptions } from './openai-model-client.ts';
import { ResponseChainTooLongError } from './response-chain-too-long-error.ts';
import { createResponsesStreamReader } from './responses-stream-reader.ts';
import { streamCompletion } from './stream-completion.ts';
import { estimateContentTokens, toResponsesInputMessage } from './to-wire-messages.ts';
import { isToolExchange, toResponsesToolItems, toResponsesTools } from './tool-wire-messages.ts';

/**
 * A `ModelClient` on the OpenAI Responses API (`POST /v1/responses`), which keeps the conversation server-side:
 * with `previousResponseId` only the new turn is sent and the server prepends the stored chain.
 *
 * Takes the chat client's options; `tokenLimitParameter` is ignored (the Responses API has only
 * `max_output_tokens`). System messages become `instructions` — sent on every call, because the API does not
 * carry instructions over from the previous response — and the rest become `input` messages. Every response is
 * stored (`store: true`) so the next turn can chain to it; a chained request is sent with `truncation: "auto"`,
 * so a chain that outgrows the context window loses its oldest items on the server instead of failing every
 * later turn with a context-length 400 (the local transcript still has them for a rebuild).
 *
 * Same failure conventions as the chat client: SDK retries before the reply starts, a stream that breaks or ends
 * without `response.completed`/`response.incomplete` is a retryable `ModelError`, never a half reply. A chain the
 * server no longer has (`previous_response_not_found`, or a 404 about it) is a `PreviousResponseLostError`, so the
 * caller can resend the conversation from its own transcript; so is a context-length error on a chained request
 * (from a server that ignores `truncation`), as its subclass `ResponseChainTooLongError`: the local transcript
 * is trimmed to the budget, the server's chain is not. The stream's life is `streamCompletion`'s; what its
 * events mean is `createResponsesStreamReader`'s.
 */
export function createOpenAIResponsesModelClient(options: OpenAIModelClientOptions): ModelClient {
  const { estimate, sdk, reasoningModel, origin, redact } = openAIClientSetup(options);

  async function complete(request: CompletionRequest): Promise<CompletionResult> {
    const started = Date.now();
    const { previousResponseId } = request;
    const context: ErrorContext = {
      ...origin,
      timeoutMs: options.timeoutMs,
      redact,
      outerSignal: request.signal,
    };
    let lost: PreviousResponseLostError | undefined;
    const reply = await streamCompletion(
      {
        open: (signal) => sdk.responses.create(toRequestBody(request, options, reasoningModel), { signal }),
        signal: request.signal,
        onDelta: request.onDelta,
        timeoutMs: options.timeoutMs,
        ...origin,
        redact,
        mapError: (error) => {
          const mapped = lostChain(error, previousResponseId) ?? toModelError(error, context);
          const chained = chainTooLong(mapped, previousResponseId) ?? mapped;
          if (chained instanceof PreviousResponseLostError) lost = chained;
          return chained;
        },
        onFailure: (error) =>
          options.logger?.debug(
            {
              status: error.status,
              kind: error.kind,
              isRetryable: error.isRetryable,
              chainLost: lost !== undefined,
              durationMs: Date.now() - started,
              err: error.message,
            },
            'model response failed',
          ),
      },
      createResponsesStreamReader({ ...origin, redact, previousResponseId }),
    );

    const settled = settledUsage(reply, options.model, () =>
      estimateUsage(request.messages, reply.text, estimate),
    );
    const { usage, costUsd } = settled;
    options.logger?.debug(
      {
        model: reply.model,
        responseId: reply.responseId,
        chained: previousResponseId !== undefined,
        ...finishedReplyFields(reply, usage, costUsd, started),
      },
      'model response finished',
    );
    const { text, model, finishReason, responseId, toolCalls, sources } = reply;
    const extras = { ...(toolCalls ? { toolCalls } : {}), ...(sources ? { sources } : {}) };
    return { text, model, finishReason, responseId, ...settled, ...extras };
  }

  return { model: options.model, chainsResponses: true, complete };
}

function toRequestBody(
  request: CompletionRequest,
  options: OpenAIModelClientOptions,
  reasoningModel: boolean,
): ResponseCreateParamsStreaming {
  const instructions: string[] = [];
  const input: ResponseInputItem[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') instructions.push(message.content);
    else if (isToolExchange(message)) input.push(...toResponsesToolItems(message));
    else input.push(toResponsesInputMessage(message));
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
  if (request.previousResponseId !== undefined) {
    body.previous_response_id = request.previousResponseId;
    // The stored chain grows with every turn and nothing here trims it; `auto` lets the server drop its oldest
    // items rather than answer a context-length 400. An unchained request is the local transcript, already
    // trimmed to MAX_CONTEXT_TOKENS: there a context-length error means the budget is wrong, and should say so
    // rather than be silently truncated.
    body.truncation = 'auto';
  }
  if (options.temperature !== undefined && !reasoningModel) body.temperature = options.temperature;
  const tools = [
    ...toResponsesTools(request.tools ?? []),
    ...(request.webSearch ? [{ type: 'web_search' as const }] : []),
  ];
  if (tools.length > 0) body.tools = tools;
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
  const aboutModel =
    classifyEndpointFailure({ status: error.status, code: error.code, type: error.type, message }) ===
    'model_not_found';
  const lost =
    error.code === 'previous_response_not_found' ||
    (error.status === 404 && !aboutModel) ||
    (error.status === 400 && error.param === 'previous_response_id' && /not found/i.test(message));
  return lost
    ? new PreviousResponseLostError(previousResponseId, { status: error.status, cause: error })
    : undefined;
}

/** A context-length error on a chained request: the server's chain, not the local transcript, is too long. */
function chainTooLong(
  error: ModelError,
  previousResponseId: string | undefined,
): ResponseChainTooLongError | undefined {
  if (previousResponseId === undefined || error instanceof PreviousResponseLostError) return undefined;
  return error.kind === 'context_length'
    ? new ResponseChainTooLongError(previousResponseId, error)
    : undefined;
}

function estimateUsage(
  messages: ChatMessage[],
  reply: string,
  estimate: (text: string) => number,
): CompletionUsage {
  let promptTokens = 0;
  for (const message of messages) promptTokens += estimateContentTokens(message, estimate);
  return { promptTokens, completionTokens: estimate(reply) };
}
