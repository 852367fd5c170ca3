import { ModelError } from '../app/errors.ts';
import type { CompletionUsage, ToolCall } from './model-client.ts';
import { abortedError, originFields, toModelError } from './openai-errors.ts';

/**
 * The life of one streamed completion, shared by the openai-SDK clients whatever the wire protocol: the
 * caller's abort signal, a stall timer between events, the caller's `onDelta`, and every failure mapped to a
 * `ModelError` (through `openai-errors.ts`). What the events mean is a `StreamReader`'s business, one per
 * protocol (`chat-completion-reader.ts`, `responses-stream-reader.ts`).
 */

/**
 * Hands one piece of reply text to the caller's `onDelta` (with the whole text so far); rethrows whatever the
 * callback threw.
 */
export type EmitDelta = (delta: string) => void;

/** Turns one protocol's stream events into a reply; a fresh reader per completion, since it keeps state. */
export interface StreamReader<Event, Reply> {
  /**
   * Takes one event, passing reply text to `emit` as it arrives; throws a `ModelError` for an event that ends
   * the reply. Tool-call deltas, when supported, are accumulated here, beside the text.
   */
  read(event: Event, emit: EmitDelta): void;
  /** The reply, once the stream has ended on its own; throws a `ModelError` when it is not a usable one. */
  finish(emit: EmitDelta): Reply;
}

/** What a reader makes of a finished stream. */
export interface StreamedReply {
  /** The whole reply text, never empty unless the model called tools instead. */
  text: string;
  /** The tools the model asked to call, when it did. */
  toolCalls?: ToolCall[];
  /** Why generation stopped (`stop`, `length`, …). */
  finishReason: string;
  /** Model that answered (the configured one when the stream never named one). */
  model: string;
  /** Usage as the endpoint reported it; `undefined` when it reported none. */
  usage: CompletionUsage | undefined;
}

/** One streamed completion: how to open it and whom to tell about it. */
export interface StreamCompletionOptions<Event> {
  /** Sends the request; the stream it resolves to must end when `signal` aborts. */
  open(signal: AbortSignal): PromiseLike<AsyncIterable<Event>>;
  /** The caller's abort signal (`CompletionRequest.signal`). */
  signal: AbortSignal | undefined;
  /**
   * The caller's delta callback (`CompletionRequest.onDelta`): each piece, and the whole text so far of this
   * stream. An error it throws goes back unchanged.
   */
  onDelta: ((delta: string, text: string) => void) | undefined;
  /** Longest silence allowed between two events once the stream has started (and the SDK's per-attempt timeout). */
  timeoutMs: number;
  /** Host of the endpoint, for messages (`describeEndpoint`). */
  endpoint: string;
  /** Base URL without credentials (`publicEndpointUrl`), recorded on every error for operators. */
  endpointUrl?: string;
  /** The configured model, recorded on every error. */
  model?: string;
  /** Strips keys from text bound for errors (`secretRedactor`). */
  redact: (text: string) => string;
  /** Protocol-specific mapping tried before the shared `toModelError`; `undefined` leaves the error to it. */
  mapError?: (error: unknown) => ModelError | undefined;
  /** Sees each `ModelError` just before it is thrown (not the caller's own `onDelta` error): where clients log. */
  onFailure?: (error: ModelError) => void;
}

/**
 * Opens the stream, feeds its events to `reader` and returns `reader.finish`'s reply. Throws a `ModelError`
 * for anything that went wrong (an abort, a stall, a broken or unfinished stream, an API error), except an
 * error thrown by `onDelta`: that one is the caller's own and goes back unchanged, the stream aborted.
 */
export async function streamCompletion<Event, Reply>(
  options: StreamCompletionOptions<Event>,
  reader: StreamReader<Event, Reply>,
): Promise<Reply> {
  const outerSignal = options.signal;
  if (outerSignal?.aborted) throw abortedError(outerSignal.reason, options);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outerSignal?.reason);
  outerSignal?.addEventListener('abort', onOuterAbort, { once: true });

  // Boxed, so that even `undefined` thrown by the callback is recognised as the callback's.
  let callbackError: { error: unknown } | undefined;
  let text = '';
  const emit: EmitDelta = (delta) => {
    text += delta;
    try {
      options.onDelta?.(delta, text);
    } catch (error) {
      callbackError = { error };
      controller.abort();
      throw error;
    }
  };
  let idleTimedOut = false;
  let idleTimer: NodeJS.Timeout | undefined;
  try {
    const stream = await options.open(controller.signal);
    // The SDK's timeout ends when the response headers arrive; a stream that goes quiet afterwards would
    // otherwise hold the turn forever.
    idleTimer = setTimeout(() => {
      idleTimedOut = true;
      controller.abort();
    }, options.timeoutMs);
    for await (const event of stream) {
      idleTimer.refresh();
      reader.read(event, emit);
    }
    clearTimeout(idleTimer);

    // The SDK ends the iteration quietly on abort, so each way of stopping early is checked here.
    if (outerSignal?.aborted) throw abortedError(outerSignal.reason, options);
    if (idleTimedOut) {
      throw new ModelError(`The model stream from ${options.endpoint} stalled for ${options.timeoutMs} ms`, {
        isRetryable: true,
        kind: 'timeout',
        ...originFields(options),
      });
    }
    return reader.finish(emit);
  } catch (error) {
    if (callbackError && error === callbackError.error) throw error;
    const { endpoint, endpointUrl, model, timeoutMs, redact } = options;
    const context = { endpoint, endpointUrl, model, timeoutMs, redact, outerSignal };
    const modelError = options.mapError?.(error) ?? toModelError(error, context);
    options.onFailure?.(modelError);
    throw modelError;
  } finally {
    clearTimeout(idleTimer);
    outerSignal?.removeEventListener('abort', onOuterAbort);
  }
}
