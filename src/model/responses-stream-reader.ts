import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { ModelError, PreviousResponseLostError } from '../app/errors.ts';
import { classifyEndpointFailure } from './classify-model-error.ts';
import {
  contentFilterError,
  type ErrorOrigin,
  emptyReplyError,
  originFields,
  shorten,
  unfinishedStreamError,
} from './openai-errors.ts';
import { createResponsesToolCallItems } from './responses-tool-call-items.ts';
import type { StreamedReply, StreamReader } from './stream-completion.ts';

// `response.failed` codes that say "try again later"; the others (invalid prompt, image problems, policy) blame
// the request itself.
const TRANSIENT_FAILURE_CODES = new Set(['server_error', 'rate_limit_exceeded', 'vector_store_timeout']);
// An `error` event is transient unless its code blames the request.
const REQUEST_FAULT_CODE = /invalid|policy|filter|context_length|image|not_found|unsupported/i;

/** A Responses API reply: a chat reply plus the id to chain the next turn to. */
export interface ResponsesStreamReply extends StreamedReply {
  /** Id of the stored response. */
  responseId: string;
  /** Pages cited by the answer (web search), when there are any. */
  sources?: Array<{ url: string; title?: string }>;
}

/** What `createResponsesStreamReader` needs besides the events. */
export interface ResponsesStreamReaderOptions extends ErrorOrigin {
  /** The configured model, reported when the stream names none. */
  model: string;
  /** Strips keys from text bound for errors. */
  redact: (text: string) => string;
  /** The response the request continues, if any: an `error` event saying it is gone means a lost chain. */
  previousResponseId: string | undefined;
}

/**
 * Reads a Responses API event stream: text and refusal deltas, the answering model, and the final response of
 * `response.completed` or `response.incomplete` (whose absence means the stream broke off: retryable).
 * `response.failed` and `error` events end the reply with a `ModelError`, or a `PreviousResponseLostError`
 * when the chain's head is gone.
 */
export function createResponsesStreamReader(
  options: ResponsesStreamReaderOptions,
): StreamReader<ResponseStreamEvent, ResponsesStreamReply> {
  let text = '';
  let refusal = '';
  let final: Response | undefined;
  let model = options.model;
  const toolItems = createResponsesToolCallItems();

  return {
    read(event, emit) {
      toolItems.read(event);
      switch (event.type) {
        case 'response.output_text.delta':
          text += event.delta;
          emit(event.delta);
          break;
        case 'response.refusal.delta':
          refusal += event.delta;
          break;
        case 'response.created':
        case 'response.in_progress':
          if (event.response.model) model = event.response.model;
          break;
        case 'response.completed':
        case 'response.incomplete':
          final = event.response;
          break;
        case 'response.failed':
          throw failedResponseError(event.response, options);
        case 'error':
          throw streamErrorEvent(event, options);
      }
    },

    finish(emit) {
      if (!final) throw unfinishedStreamError(options);
      if (final.model) model = final.model;
      const incomplete = final.status === 'incomplete' ? final.incomplete_details?.reason : undefined;
      if (incomplete === 'content_filter') throw contentFilterError(options);
      const finishReason = final.status === 'incomplete' ? 'length' : 'stop';
      const usage = final.usage
        ? { promptTokens: final.usage.input_tokens, completionTokens: final.usage.output_tokens }
        : undefined;
      const toolCalls = toolItems.calls(final);
      // A round that only calls tools has no text, and needs none: the answer comes after the results.
      if (toolCalls.length > 0) return { text, finishReason, model, usage, responseId: final.id, toolCalls };
      let reply = text;
      if (reply === '') {
        // Servers that skip the delta events still put the text in the final response.
        reply = outputText(final) || refusal;
        if (reply) emit(reply);
      }
      if (reply === '') throw emptyReplyError(finishReason, false, options);
      const sources = toolItems.sources(final);
      const cited = sources.length > 0 ? { sources } : {};
      return { text: reply, finishReason, model, usage, responseId: final.id, ...cited };
    },
  };
}

function failedResponseError(response: Response, options: ResponsesStreamReaderOptions): ModelError {
  const code = response.error?.code ?? 'unknown';
  const serverMessage = shorten(options.redact(response.error?.message ?? ''), 500) || undefined;
  const kind = classifyEndpointFailure({ status: undefined, code, message: serverMessage ?? '' });
  const detail = shorten(serverMessage ?? 'no details');
  return new ModelError(`The model response from ${options.endpoint} failed (${code}): ${detail}`, {
    isRetryable: TRANSIENT_FAILURE_CODES.has(code) && kind !== 'quota',
    kind,
    serverMessage,
    ...originFields(options),
  });
}

function streamErrorEvent(
  event: { code: string | null; message: string },
  options: ResponsesStreamReaderOptions,
): ModelError {
  if (event.code === 'previous_response_not_found' && options.previousResponseId !== undefined) {
    return new PreviousResponseLostError(options.previousResponseId);
  }
  const serverMessage = shorten(options.redact(event.message ?? ''), 500);
  const kind = classifyEndpointFailure({ status: undefined, code: event.code, message: serverMessage });
  return new ModelError(
    `The model stream from ${options.endpoint} reported an error${event.code ? ` (${event.code})` : ''}: ${shorten(serverMessage)}`,
    {
      isRetryable: !(event.code && REQUEST_FAULT_CODE.test(event.code)) && kind !== 'quota',
      kind,
      serverMessage: serverMessage || undefined,
      ...originFields(options),
    },
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
