import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake OpenAI-compatible endpoint on 127.0.0.1 (real HTTP, real SSE) for tests and benchmarks.
 *
 * Token counts are a deterministic estimate, not a tokenizer: `prompt_tokens` = ceil(total characters of all
 * message contents / 4), `completion_tokens` = ceil(reply characters / 4). When the request sets `max_tokens`
 * (or `max_completion_tokens`) and the reply would exceed it, the reply is cut to that many × 4 characters and
 * `finish_reason` is `length`, as a real model would.
 */

/** A chat message as it arrives on the wire (content may be a string or an array of parts). */
export interface WireChatMessage {
  /** `system`, `developer`, `user`, `assistant`, `tool`. */
  role: string;
  /** Text, or content parts (only `text` parts are read by the fake). */
  content?: string | Array<{ type: string; text?: string }> | null;
  /** Optional speaker name. */
  name?: string;
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
}

/** A reply with more than text, for `respondWith`. */
export interface FakeReply {
  /** The reply text. */
  content: string;
  /** Overrides `finish_reason` (e.g. `content_filter`). */
  finishReason?: string;
}

/** How a scripted broken stream misbehaves. */
export interface StreamCut {
  /** Content chunks sent before the break (default 1). */
  afterChunks?: number;
  /** `destroy` drops the connection; `stall` keeps it open and sends nothing more; `end` closes it cleanly without `finish_reason` or `[DONE]`. Default `destroy`. */
  mode?: 'destroy' | 'stall' | 'end';
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
  /** Replaces the reply generator (default: `Echo: <last user content>`). */
  respondWith(
    fn: (body: ChatCompletionRequestBody) => string | FakeReply | Promise<string | FakeReply>,
  ): void;
  /** Delay before the first byte of every reply: a fixed number of ms or a function drawn per request. */
  setLatency(ms: number | (() => number)): void;
  /** The next `count` requests fail with this status and body. */
  failNext(count: number, failure: FakeFailure): void;
  /** The next `count` requests never get an answer (connections are dropped on `close`). */
  hang(count: number): void;
  /** The next `count` streamed requests break after some chunks (non-stream requests get cut mid-body). */
  cutStreamNext(count: number, cut?: StreamCut): void;
  /** Clears recorded requests and every scripted behaviour (reply generator, latency, failures). */
  reset(): void;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

type Script = { kind: 'fail'; failure: FakeFailure } | { kind: 'hang' } | { kind: 'cut'; cut: StreamCut };

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
        param: null,
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
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  async function handleCompletion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: ChatCompletionRequestBody;
    try {
      body = JSON.parse(raw) as ChatCompletionRequestBody;
    } catch {
      sendError(res, { status: 400, message: 'We could not parse the JSON body of your request.' });
      return;
    }
    if (record) {
      requests.push({ body, headers: req.headers, receivedAt: Date.now() });
      if (requests.length > maxRecorded) requests.shift();
    }
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      sendError(res, { status: 400, message: "'model' and 'messages' are required properties." });
      return;
    }

    const script = scripts.shift();
    if (script?.kind === 'hang') return; // never answered; the socket is destroyed on close

    const delay = typeof latency === 'function' ? latency() : latency;
    if (delay > 0) await sleep(delay);
    if (res.destroyed || res.writableEnded) return; // the client gave up while we waited

    if (script?.kind === 'fail') {
      sendError(res, script.failure);
      return;
    }

    let produced: string | FakeReply;
    try {
      produced = await reply(body);
    } catch (error) {
      sendError(res, { status: 500, message: `Reply generator failed: ${String(error)}` });
      return;
    }
    let content = typeof produced === 'string' ? produced : produced.content;
    let finishReason = typeof produced === 'string' ? 'stop' : (produced.finishReason ?? 'stop');
    const cap = body.max_completion_tokens ?? body.max_tokens;
    if (typeof cap === 'number' && fakeTokenCount(content) > cap) {
      content = content.slice(0, cap * 4);
      finishReason = 'length';
    }
    const usage = {
      prompt_tokens: promptTokens(body),
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
            message: { role: 'assistant', content, refusal: null },
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
    if (cut) {
      const keep = 1 + (cut.afterChunks ?? 1);
      res.write(events.slice(0, keep).join(''));
      if (cut.mode === 'end') res.end();
      else if (cut.mode !== 'stall') res.destroy();
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

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      handleCompletion(req, res).catch((error: unknown) => {
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
    reset() {
      requests.length = 0;
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
