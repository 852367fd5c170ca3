import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type FakeToolCall,
  functionCallEvents,
  functionCallItems,
  toolCallDeltas,
  toolCallsMessage,
  toolInputMessage,
} from './fake-tool-calls.ts';

/**
 * A fake OpenAI-compatible endpoint on 127.0.0.1 (real HTTP, real SSE) for tests and benchmarks:
 * `POST /v1/chat/completions`, `POST /v1/responses` and `GET /v1/models`.
 *
 * Token counts are a deterministic estimate, not a tokenizer: `prompt_tokens` = ceil(total characters of all
 * message contents / 4), `completion_tokens` = ceil(reply characters / 4). When the request sets `max_tokens`
 * (or `max_completion_tokens`) and the reply would exceed it, the reply is cut to that many × 4 characters and
 * `finish_reason` is `length`, as a real model would.
 *
 * The Responses API keeps conversations server-side, and so does the fake: every response (unless sent with
 * `store: false`) is kept as `resp_<n>` with its input and output, and `previous_response_id` prepends the stored
 * chain. The reply generator sees a chat-like body (see `respondWith`), so the default echo reply and any
 * existing generator work unchanged; usage counts `instructions` + the whole chain + the new input, like
 * OpenAI bills a chained request. An unknown `previous_response_id` gets OpenAI's 400
 * `previous_response_not_found`.
 */

/**
 * A content part as it arrives on the wire: `text`/`input_text`/`output_text` carry `text` (the only part the fake
 * reads); image parts are recorded as sent — Chat Completions `image_url: { url, detail }`, Responses
 * `input_image` with `image_url` (a URL string) and `detail`.
 */
export interface WireContentPart {
  /** `text`, `image_url`, `input_text`, `input_image`, `output_text`, … */
  type: string;
  /** The text of a text part. */
  text?: string;
  /** The image of an image part. */
  image_url?: string | { url: string; detail?: string };
  /** Responses `input_image`: the detail asked for. */
  detail?: string;
}

/** A chat message as it arrives on the wire (content may be a string or an array of parts). */
export interface WireChatMessage {
  /** `system`, `developer`, `user`, `assistant`, `tool`. */
  role: string;
  /** Text, or content parts (only `text` parts are read by the fake). */
  content?: string | WireContentPart[] | null;
  /** Optional speaker name. */
  name?: string;
  /** Tool messages: the call they answer. */
  tool_call_id?: string;
  /** Assistant messages: the tools called (`{id, type, function: {name, arguments}}`). */
  tool_calls?: unknown[];
}

/** The parsed JSON body of `POST /v1/chat/completions`, as far as the fake reads it. */
export interface ChatCompletionRequestBody {
  /** Model requested; echoed back in the response. */
  model: string;
  /** The conversation. */
  messages: WireChatMessage[];
  /** SSE when true, one JSON object otherwise. */
  stream?: boolean | null;
  /** `include_usage` adds a final usage chunk to a stream. */
  stream_options?: { include_usage?: boolean } | null;
  /** Reply token cap (older name). */
  max_tokens?: number | null;
  /** Reply token cap (newer name). */
  max_completion_tokens?: number | null;
  /** Sampling temperature (recorded, otherwise ignored). */
  temperature?: number | null;
  /** Anything else the client sent. */
  [key: string]: unknown;
}

/** One request the fake received. */
export interface RecordedRequest {
  /** The parsed JSON body. */
  body: ChatCompletionRequestBody;
  /** Request headers (lower-case names, as Node gives them). */
  headers: IncomingHttpHeaders;
  /** When the body had been read, ms since epoch. */
  receivedAt: number;
}

/** A scripted error reply. */
export interface FakeFailure {
  /** HTTP status (429, 500, 503, 401, …). */
  status: number;
  /** Sent as the `retry-after` header. */
  retryAfterSeconds?: number;
  /** Sent as the `retry-after-ms` header. */
  retryAfterMs?: number;
  /** `error.message` in the body. */
  message?: string;
  /** `error.code` in the body (defaults by status). */
  code?: string;
  /** `error.param` in the body (default null). */
  param?: string;
}

/** A reply with more than text, for `respondWith`. */
export interface FakeReply {
  /** The reply text. */
  content: string;
  /** Overrides `finish_reason` (e.g. `content_filter`). */
  finishReason?: string;
  /**
   * Tools the model calls, streamed in pieces: chat completions `tool_calls` deltas (`finish_reason` becomes
   * `tool_calls`), Responses `function_call` items with their argument deltas.
   */
  toolCalls?: FakeToolCall[];
  /** Overrides `usage.prompt_tokens` (a server whose tokenizer counts differently, or that cut the prompt). */
  promptTokens?: number;
}

/** How a scripted broken stream misbehaves. */
export interface StreamCut {
  /** Content chunks sent before the break (default 1). */
  afterChunks?: number;
  /** `destroy` drops the connection; `stall` keeps it open and sends nothing more; `end` closes it cleanly without `finish_reason` or `[DONE]`. Default `destroy`. */
  mode?: 'destroy' | 'stall' | 'end';
}

/** How a scripted stream fails after it started (an error sent inside a 200 stream). */
export interface StreamFailure {
  /** Content chunks sent before the error (default 1). */
  afterChunks?: number;
  /** The error code (default `server_error`). */
  code?: string;
  /** The error message. */
  message?: string;
  /**
   * `/v1/responses` only: send an `error` event (default) or a `response.failed` event carrying
   * `response.error`. Chat completions always get a `data: {"error": …}` chunk.
   */
  event?: 'error' | 'response.failed';
}

/** An input item of `POST /v1/responses`, as far as the fake reads it (other item types are ignored). */
export interface WireResponsesInputItem {
  /** `message` or absent for messages; anything else (function calls, …) is ignored. */
  type?: string;
  /** `user`, `assistant`, `system`, `developer`. */
  role?: string;
  /** Text, or content parts (`input_text`, `output_text`: their `text` is read). */
  content?: string | WireContentPart[] | null;
  /** `function_call` and `function_call_output`: the call's id. */
  call_id?: string;
  /** `function_call`: the function's name. */
  name?: string;
  /** `function_call`: the arguments JSON. */
  arguments?: string;
  /** `function_call_output`: the result. */
  output?: unknown;
}

/** The parsed JSON body of `POST /v1/responses`, as far as the fake reads it. */
export interface ResponsesRequestBody {
  /** Model requested; echoed back in the response. */
  model: string;
  /** A user message as a string, or input items. */
  input?: string | WireResponsesInputItem[] | null;
  /** System-level instructions (not carried over from the previous response, as in OpenAI's API). */
  instructions?: string | null;
  /** Continue this stored response's conversation. */
  previous_response_id?: string | null;
  /** Keep the response for later chaining (default true, as OpenAI). */
  store?: boolean | null;
  /** SSE events when true, one JSON response object otherwise. */
  stream?: boolean | null;
  /** Reply token cap; a longer reply ends `incomplete` (`max_output_tokens`). */
  max_output_tokens?: number | null;
  /** Sampling temperature (recorded, otherwise ignored). */
  temperature?: number | null;
  /** Anything else the client sent. */
  [key: string]: unknown;
}

/** One `POST /v1/responses` the fake received. */
export interface RecordedResponsesRequest {
  /** The parsed JSON body. */
  body: ResponsesRequestBody;
  /** Request headers (lower-case names, as Node gives them). */
  headers: IncomingHttpHeaders;
  /** When the body had been read, ms since epoch. */
  receivedAt: number;
}

/** Options for `startFakeOpenAI`. */
export interface FakeOpenAIOptions {
  /** Record requests in `requests` (default true; turn off for load tests). */
  record?: boolean;
  /** Keep at most this many recorded requests, dropping the oldest (default 10,000). */
  maxRecorded?: number;
  /** Pause between SSE chunks in ms (default 0: the whole stream is written at once, still as separate events). */
  chunkDelayMs?: number;
  /** Approximate characters per SSE content chunk (default 8). */
  chunkChars?: number;
  /** Ignore `stream_options.include_usage`, like some local servers do (default false). */
  ignoreIncludeUsage?: boolean;
  /** Model ids listed by `GET /v1/models`. */
  models?: string[];
}

/** A running fake. */
export interface FakeOpenAI {
  /** Base URL including `/v1`; give it to the SDK's `baseURL`. */
  url: string;
  /** Every `POST /v1/chat/completions` received (capped, see options). */
  requests: RecordedRequest[];
  /** Every `POST /v1/responses` received (capped, see options). */
  responsesRequests: RecordedResponsesRequest[];
  /**
   * Replaces the reply generator (default: `Echo: <last user content>`), for both endpoints. For
   * `/v1/responses` it gets a chat-like body: `messages` = the instructions as a `system` message, then the
   * stored chain (earlier inputs and replies), then the new input; `max_tokens` = `max_output_tokens`; and
   * `responsesRequest` = the original request body.
   */
  respondWith(
    fn: (body: ChatCompletionRequestBody) => string | FakeReply | Promise<string | FakeReply>,
  ): void;
  /** Delay before the first byte of every reply: a fixed number of ms or a function drawn per request. */
  setLatency(ms: number | (() => number)): void;
  /** The next `count` requests (either endpoint, in arrival order, as for every script) fail with this status and body. */
  failNext(count: number, failure: FakeFailure): void;
  /** The next `count` requests never get an answer (connections are dropped on `close`). */
  hang(count: number): void;
  /** The next `count` streamed requests break after some chunks (non-stream requests get cut mid-body). */
  cutStreamNext(count: number, cut?: StreamCut): void;
  /** The next `count` streamed requests report an error inside the stream (non-stream requests get a 500). */
  failStreamNext(count: number, failure?: StreamFailure): void;
  /**
   * The stored conversation a response ends: its request's instructions (as a `system` message), then every
   * input and reply along its `previous_response_id` chain, its own reply last. `undefined` if not stored.
   */
  conversationOf(responseId: string): WireChatMessage[] | undefined;
  /** Drops every stored response, so the next `previous_response_id` fails as an expired chain would. */
  forgetResponses(): void;
  /** Clears recorded requests, stored responses and every scripted behaviour (reply generator, latency, failures). */
  reset(): void;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

type Script =
  | { kind: 'fail'; failure: FakeFailure }
  | { kind: 'hang' }
  | { kind: 'cut'; cut: StreamCut }
  | { kind: 'streamFail'; failure: StreamFailure };

const errorTypes: Record<number, { type: string; code: string }> = {
  400: { type: 'invalid_request_error', code: 'invalid_request' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  408: { type: 'server_error', code: 'timeout' },
  409: { type: 'server_error', code: 'conflict' },
  422: { type: 'invalid_request_error', code: 'unprocessable_entity' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

/** The default reply: deterministic, derived from the last user message so tests can assert on it. */
export function echoReply(body: ChatCompletionRequestBody): string {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const message = body.messages[i];
    if (message?.role === 'user') return `Echo: ${contentText(message.content)}`;
  }
  return 'Echo: (no user message)';
}

/** The fake's token estimate: ceil(characters / 4). */
export function fakeTokenCount(text: string): number {
  return Math.ceil(text.length / 4);
}

function contentText(content: WireChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) if (typeof part.text === 'string') text += part.text;
  return text;
}

function promptTokens(body: ChatCompletionRequestBody): number {
  let chars = 0;
  for (const message of body.messages) chars += contentText(message.content).length;
  return Math.ceil(chars / 4);
}

function splitIntoChunks(text: string, size: number): string[] {
  // Split on word boundaries near `size` characters so deltas look like a model's, and join back exactly.
  const chunks: string[] = [];
  let start = 0;
  for (const match of text.matchAll(/\s*\S+/g)) {
    const end = match.index + match[0].length;
    if (end - start >= size) {
      chunks.push(text.slice(start, end));
      start = end;
    }
  }
  if (start < text.length) chunks.push(text.slice(start));
  return chunks;
}

function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function sendError(res: ServerResponse, failure: FakeFailure) {
  const defaults = errorTypes[failure.status] ?? { type: 'server_error', code: 'server_error' };
  const headers: Record<string, string> = {};
  if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
  if (failure.retryAfterMs !== undefined) headers['retry-after-ms'] = String(failure.retryAfterMs);
  sendJson(
    res,
    failure.status,
    {
      error: {
        message: failure.message ?? `Fake failure with status ${failure.status}`,
        type: defaults.type,
        param: failure.param ?? null,
        code: failure.code ?? defaults.code,
      },
    },
    headers,
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Whether a request asked for a stream, so scripts that only make sense in a stream can degrade otherwise.
const streamingRequests = new WeakSet<ServerResponse>();
function markStreaming(res: ServerResponse, stream: boolean): void {
  if (stream) streamingRequests.add(res);
}
function streaming(res: ServerResponse): boolean {
  return streamingRequests.has(res);
}

/** A stored response: its place in the chain and what it added to the conversation. */
interface StoredResponse {
  /** The response it continued. */
  previous: string | undefined;
  /** Its request's instructions (OpenAI does not carry them along the chain). */
  instructions: string | undefined;
  /** Its input messages, then its reply. */
  messages: WireChatMessage[];
}

/** Everything needed to write one response object or its events. */
interface ResponseShape {
  id: string;
  itemId: string;
  createdAt: number;
  body: ResponsesRequestBody;
  text: string;
  incomplete: 'max_output_tokens' | 'content_filter' | undefined;
  usage: ReturnType<typeof responsesUsage>;
  /** Function calls the reply makes instead of text. */
  toolCalls?: FakeToolCall[];
  /** The response's number (names its items). */
  number?: number;
}

function inputMessages(input: ResponsesRequestBody['input']): WireChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return [];
  const messages: WireChatMessage[] = [];
  for (const item of input) {
    const tool = toolInputMessage(item);
    if (tool) {
      messages.push(tool);
      continue;
    }
    if ((item.type !== undefined && item.type !== 'message') || typeof item.role !== 'string') continue;
    messages.push({ role: item.role, content: item.content ?? '' });
  }
  return messages;
}

function responsesUsage(inputTokens: number, outputTokens: number) {
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
}

function outputMessage(shape: ResponseShape, stage: 'started' | 'final') {
  return {
    id: shape.itemId,
    type: 'message',
    status: stage === 'started' ? 'in_progress' : shape.incomplete ? 'incomplete' : 'completed',
    content:
      stage === 'started' ? [] : [{ type: 'output_text', annotations: [], logprobs: [], text: shape.text }],
    role: 'assistant',
  };
}

/** The response object as OpenAI sends it: in progress (no output, no usage), finished, or failed. */
function responseObject(
  shape: ResponseShape,
  stage: 'started' | 'final' | 'failed',
  error: { code: string; message: string } | null = null,
) {
  const { body } = shape;
  const status =
    stage === 'started'
      ? 'in_progress'
      : stage === 'failed'
        ? 'failed'
        : shape.incomplete
          ? 'incomplete'
          : 'completed';
  return {
    id: shape.id,
    object: 'response',
    created_at: shape.createdAt,
    status,
    background: false,
    error,
    incomplete_details: stage === 'final' && shape.incomplete ? { reason: shape.incomplete } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output:
      stage !== 'final'
        ? []
        : shape.toolCalls?.length
          ? functionCallItems(shape.toolCalls, shape.number ?? 0, 'final')
          : [outputMessage(shape, 'final')],
    parallel_tool_calls: true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: stage === 'final' ? shape.usage : null,
    user: null,
    metadata: {},
  };
}

function sseEvent(type: string, sequence: number, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: sequence })}\n\n`;
}

/** The whole event stream of one response, in OpenAI's order. */
function responsesEvents(shape: ResponseShape, deltas: string[]): string[] {
  const events: Array<[string, Record<string, unknown>]> = [];
  const part = { item_id: shape.itemId, output_index: 0, content_index: 0 };
  const emptyText = { type: 'output_text', annotations: [], logprobs: [], text: '' };
  events.push(['response.created', { response: responseObject(shape, 'started') }]);
  events.push(['response.in_progress', { response: responseObject(shape, 'started') }]);
  if (shape.toolCalls?.length) {
    events.push(...functionCallEvents(shape.toolCalls, shape.number ?? 0));
    events.push(['response.completed', { response: responseObject(shape, 'final') }]);
    return events.map(([type, data], sequence) => sseEvent(type, sequence, data));
  }
  events.push(['response.output_item.added', { output_index: 0, item: outputMessage(shape, 'started') }]);
  events.push(['response.content_part.added', { ...part, part: emptyText }]);
  for (const delta of deltas) events.push(['response.output_text.delta', { ...part, delta, logprobs: [] }]);
  events.push(['response.output_text.done', { ...part, text: shape.text, logprobs: [] }]);
  events.push(['response.content_part.done', { ...part, part: { ...emptyText, text: shape.text } }]);
  events.push(['response.output_item.done', { output_index: 0, item: outputMessage(shape, 'final') }]);
  const last = shape.incomplete ? 'response.incomplete' : 'response.completed';
  events.push([last, { response: responseObject(shape, 'final') }]);
  return events.map(([type, data], sequence) => sseEvent(type, sequence, data));
}

/** The event that ends a stream scripted to fail: an `error` event or `response.failed`. */
function responsesStreamFailure(shape: ResponseShape, failure: StreamFailure, sequence: number): string {
  const code = failure.code ?? 'server_error';
  const message = failure.message ?? 'The server had an error while processing your request.';
  if (failure.event === 'response.failed') {
    return sseEvent('response.failed', sequence, {
      response: responseObject(shape, 'failed', { code, message }),
    });
  }
  return sseEvent('error', sequence, { code, message, param: null });
}

/** Starts a fake OpenAI-compatible server on 127.0.0.1 and a free port. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const record = options.record ?? true;
  const maxRecorded = options.maxRecorded ?? 10_000;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const chunkChars = options.chunkChars ?? 8;
  const models = options.models ?? ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];

  let reply: (body: ChatCompletionRequestBody) => string | FakeReply | Promise<string | FakeReply> =
    echoReply;
  let latency: number | (() => number) = 0;
  let scripts: Script[] = [];
  let nextId = 0;
  let nextResponseNumber = 0;
  const requests: RecordedRequest[] = [];
  const responsesRequests: RecordedResponsesRequest[] = [];
  const storedResponses = new Map<string, StoredResponse>();
  const sockets = new Set<Socket>();

  function recordRequest<T>(list: T[], entry: T): void {
    if (!record) return;
    list.push(entry);
    if (list.length > maxRecorded) list.shift();
  }

  /**
   * Takes the next script and waits out the latency. Returns the script still to honour while replying, or
   * `null` when the request is already dealt with (hung, failed, or the client gave up).
   */
  async function beforeReply(res: ServerResponse): Promise<Script | undefined | null> {
    const script = scripts.shift();
    if (script?.kind === 'hang') return null; // never answered; the socket is destroyed on close
    const delay = typeof latency === 'function' ? latency() : latency;
    if (delay > 0) await sleep(delay);
    if (res.destroyed || res.writableEnded) return null; // the client gave up while we waited
    if (script?.kind === 'fail') {
      sendError(res, script.failure);
      return null;
    }
    if (script?.kind === 'streamFail' && !streaming(res)) {
      sendError(res, { status: 500, message: script.failure.message, code: script.failure.code });
      return null;
    }
    return script;
  }

  /** Writes SSE events at once, or one by one with the configured pause between them. */
  async function writeEvents(res: ServerResponse, events: string[]): Promise<void> {
    if (chunkDelayMs <= 0) {
      res.end(events.join(''));
      return;
    }
    for (const event of events) {
      if (res.destroyed) return;
      res.write(event);
      await sleep(chunkDelayMs);
    }
    res.end();
  }

  async function handleCompletion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: ChatCompletionRequestBody;
    try {
      body = JSON.parse(raw) as ChatCompletionRequestBody;
    } catch {
      sendError(res, { status: 400, message: 'We could not parse the JSON body of your request.' });
      return;
    }
    recordRequest(requests, { body, headers: req.headers, receivedAt: Date.now() });
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      sendError(res, { status: 400, message: "'model' and 'messages' are required properties." });
      return;
    }
    markStreaming(res, body.stream === true);

    const script = await beforeReply(res);
    if (script === null) return;

    let produced: string | FakeReply;
    try {
      produced = await reply(body);
    } catch (error) {
      sendError(res, { status: 500, message: `Reply generator failed: ${String(error)}` });
      return;
    }
    let content = typeof produced === 'string' ? produced : produced.content;
    const toolCalls = typeof produced === 'string' ? [] : (produced.toolCalls ?? []);
    let finishReason =
      typeof produced === 'string'
        ? 'stop'
        : (produced.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'));
    const cap = body.max_completion_tokens ?? body.max_tokens;
    if (typeof cap === 'number' && fakeTokenCount(content) > cap) {
      content = content.slice(0, cap * 4);
      finishReason = 'length';
    }
    const usage = {
      prompt_tokens:
        typeof produced !== 'string' && produced.promptTokens !== undefined
          ? produced.promptTokens
          : promptTokens(body),
      completion_tokens: fakeTokenCount(content),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const id = `chatcmpl-fake${++nextId}`;
    const created = Math.floor(Date.now() / 1000);
    const cut = script?.kind === 'cut' ? script.cut : undefined;

    if (!body.stream) {
      const payload = JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content,
              refusal: null,
              ...(toolCalls.length > 0 ? { tool_calls: toolCallsMessage(toolCalls) } : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
        system_fingerprint: 'fp_fake',
      });
      if (cut) {
        // Promise the whole body, send half, then break as scripted.
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        });
        res.write(payload.slice(0, payload.length >> 1));
        if (cut.mode !== 'stall') res.destroy();
        return;
      }
      sendJson(res, 200, payload);
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: body.model,
        system_fingerprint: 'fp_fake',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      })}\n\n`;
    const events: string[] = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
    for (const piece of splitIntoChunks(content, chunkChars)) events.push(chunk({ content: piece }, null));
    for (const delta of toolCallDeltas(toolCalls)) events.push(chunk(delta, null));
    if (cut) {
      const keep = 1 + (cut.afterChunks ?? 1);
      res.write(events.slice(0, keep).join(''));
      if (cut.mode === 'end') res.end();
      else if (cut.mode !== 'stall') res.destroy();
      return;
    }
    if (script?.kind === 'streamFail') {
      const { failure } = script;
      const error = {
        message: failure.message ?? 'The server had an error while processing your request.',
        type: 'server_error',
        param: null,
        code: failure.code ?? 'server_error',
      };
      const keep = 1 + (failure.afterChunks ?? 1);
      res.end(`${events.slice(0, keep).join('')}data: ${JSON.stringify({ error })}\n\n`);
      return;
    }
    events.push(chunk({}, finishReason));
    if (body.stream_options?.include_usage && !options.ignoreIncludeUsage) {
      events.push(
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model: body.model,
          system_fingerprint: 'fp_fake',
          choices: [],
          usage,
        })}\n\n`,
      );
    }
    events.push('data: [DONE]\n\n');
    await writeEvents(res, events);
  }

  /** Messages along a stored chain, oldest first (instructions excluded: they are per request). */
  function chainMessages(responseId: string): WireChatMessage[] {
    const segments: WireChatMessage[][] = [];
    for (
      let entry = storedResponses.get(responseId);
      entry;
      entry = entry.previous === undefined ? undefined : storedResponses.get(entry.previous)
    ) {
      segments.push(entry.messages);
    }
    return segments.reverse().flat();
  }

  async function handleResponses(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: ResponsesRequestBody;
    try {
      body = JSON.parse(raw) as ResponsesRequestBody;
    } catch {
      sendError(res, { status: 400, message: 'We could not parse the JSON body of your request.' });
      return;
    }
    recordRequest(responsesRequests, { body, headers: req.headers, receivedAt: Date.now() });
    if (typeof body.model !== 'string') {
      sendError(res, { status: 400, message: "Missing required parameter: 'model'.", param: 'model' });
      return;
    }
    markStreaming(res, body.stream === true);

    const script = await beforeReply(res);
    if (script === null) return;

    const previousId = body.previous_response_id ?? undefined;
    if (previousId !== undefined && !storedResponses.has(previousId)) {
      // What OpenAI answers for an expired, deleted or never-stored response.
      sendError(res, {
        status: 400,
        message: `Previous response with id '${previousId}' not found.`,
        code: 'previous_response_not_found',
        param: 'previous_response_id',
      });
      return;
    }

    const input = inputMessages(body.input);
    const instructions = typeof body.instructions === 'string' ? body.instructions : undefined;
    const chatBody: ChatCompletionRequestBody = {
      model: body.model,
      messages: [
        ...(instructions === undefined ? [] : [{ role: 'system', content: instructions }]),
        ...(previousId === undefined ? [] : chainMessages(previousId)),
        ...input,
      ],
      stream: body.stream ?? false,
      max_tokens: body.max_output_tokens ?? null,
      temperature: body.temperature ?? null,
      responsesRequest: body,
    };
    let produced: string | FakeReply;
    try {
      produced = await reply(chatBody);
    } catch (error) {
      sendError(res, { status: 500, message: `Reply generator failed: ${String(error)}` });
      return;
    }

    let content = typeof produced === 'string' ? produced : produced.content;
    const finish = typeof produced === 'string' ? 'stop' : (produced.finishReason ?? 'stop');
    let incomplete: 'max_output_tokens' | 'content_filter' | undefined =
      finish === 'length' ? 'max_output_tokens' : finish === 'content_filter' ? 'content_filter' : undefined;
    const cap = body.max_output_tokens;
    if (typeof cap === 'number' && fakeTokenCount(content) > cap) {
      content = content.slice(0, cap * 4);
      incomplete = 'max_output_tokens';
    }
    const number = ++nextResponseNumber;
    const shape: ResponseShape = {
      id: `resp_${number}`,
      itemId: `msg_${number}`,
      createdAt: Math.floor(Date.now() / 1000),
      body,
      text: content,
      incomplete,
      usage: responsesUsage(promptTokens(chatBody), fakeTokenCount(content)),
      number,
      ...(typeof produced !== 'string' && produced.toolCalls?.length
        ? { toolCalls: produced.toolCalls }
        : {}),
    };
    // Stored before the last event goes out, so a client that chains at once finds it.
    const store = () => {
      if (body.store === false) return;
      storedResponses.set(shape.id, {
        previous: previousId,
        instructions,
        messages: [
          ...input,
          shape.toolCalls?.length
            ? { role: 'assistant', content: '', tool_calls: toolCallsMessage(shape.toolCalls) }
            : { role: 'assistant', content },
        ],
      });
    };
    const cut = script?.kind === 'cut' ? script.cut : undefined;

    if (!body.stream) {
      const payload = JSON.stringify(responseObject(shape, 'final'));
      if (cut) {
        // Promise the whole body, send half, then break as scripted.
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        });
        res.write(payload.slice(0, payload.length >> 1));
        if (cut.mode !== 'stall') res.destroy();
        return;
      }
      store();
      sendJson(res, 200, payload);
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const events = responsesEvents(shape, splitIntoChunks(content, chunkChars));
    // Created, in progress, item added, part added: the deltas start after these four.
    const deltasFrom = 4;
    if (cut) {
      res.write(events.slice(0, deltasFrom + (cut.afterChunks ?? 1)).join(''));
      if (cut.mode === 'end') res.end();
      else if (cut.mode !== 'stall') res.destroy();
      return;
    }
    if (script?.kind === 'streamFail') {
      const { failure } = script;
      const sent = events.slice(0, deltasFrom + (failure.afterChunks ?? 1));
      res.end([...sent, responsesStreamFailure(shape, failure, sent.length)].join(''));
      return;
    }
    store();
    await writeEvents(res, events);
  }

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const handler =
      req.method !== 'POST'
        ? undefined
        : path === '/v1/chat/completions'
          ? handleCompletion
          : path === '/v1/responses'
            ? handleResponses
            : undefined;
    if (handler) {
      handler(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendError(res, { status: 500, message: String(error) });
        else res.destroy();
      });
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
      });
      return;
    }
    req.resume();
    sendError(res, {
      status: 404,
      message: `Unknown request URL: ${req.method} ${req.url}`,
      code: 'unknown_url',
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    responsesRequests,
    respondWith(fn) {
      reply = fn;
    },
    setLatency(ms) {
      latency = ms;
    },
    failNext(count, failure) {
      for (let i = 0; i < count; i++) scripts.push({ kind: 'fail', failure });
    },
    hang(count) {
      for (let i = 0; i < count; i++) scripts.push({ kind: 'hang' });
    },
    cutStreamNext(count, cut = {}) {
      for (let i = 0; i < count; i++) scripts.push({ kind: 'cut', cut });
    },
    failStreamNext(count, failure = {}) {
      for (let i = 0; i < count; i++) scripts.push({ kind: 'streamFail', failure });
    },
    conversationOf(responseId) {
      const entry = storedResponses.get(responseId);
      if (!entry) return undefined;
      const system: WireChatMessage[] =
        entry.instructions === undefined ? [] : [{ role: 'system', content: entry.instructions }];
      return [...system, ...chainMessages(responseId)];
    },
    forgetResponses() {
      storedResponses.clear();
    },
    reset() {
      requests.length = 0;
      responsesRequests.length = 0;
      storedResponses.clear();
      scripts = [];
      latency = 0;
      reply = echoReply;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
