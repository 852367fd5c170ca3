/**
 * The HTTP client seam: a `fetch` for the openai SDK and Slack's Web API client (both take one) that sends
 * through `node:http` / `node:https` with keep-alive agents instead of the platform's fetch (undici).
 *
 * Why: on the Slack path every answer makes three or more such requests (the model call, then posting and
 * finishing the answer), and the platform's fetch costs about 0.5 ms of CPU per request on this machine kind
 * against about 0.25 ms for the same request here (BENCHMARKS.md, "The HTTP client"). What it keeps of fetch:
 * the `Response` it resolves with is a real one (status, headers, a streamed body the SDK reads SSE from),
 * `signal` aborts the request or the body being read with the signal's reason, a failure to connect rejects
 * with `TypeError('fetch failed')` whose `cause` is Node's error (`ECONNREFUSED`, …), as undici's does, and
 * gzip / deflate / br bodies are decoded. What it hands to the platform's fetch instead (`fallback`): a
 * `Request` object, a body that is not text, bytes or form parameters (FormData, Blob, streams — file
 * uploads), and any redirect, so their semantics stay exactly the platform's.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** How a `createNodeHttpFetch` client behaves. */
export interface NodeHttpFetchOptions {
  /** Where requests this client does not send itself go (see the module); the platform's fetch by default. */
  fallback?: typeof fetch;
  /** A request with no byte received for this long fails, as undici's header and body timeouts do (ms). */
  idleTimeoutMs?: number;
  /** An idle kept-alive socket is closed after this long unless the server announced less (ms). */
  keepAliveMs?: number;
}

/** Statuses whose `Response` must have no body. */
const NULL_BODY = new Set([204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** A `fetch` over `node:http` / `node:https` with keep-alive agents of its own (see the module). */
export function createNodeHttpFetch(options: NodeHttpFetchOptions = {}): typeof fetch {
  const fallback = options.fallback ?? globalThis.fetch;
  const idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  const agentOptions = {
    keepAlive: true,
    timeout: options.keepAliveMs ?? 4_000,
    scheduling: 'lifo' as const,
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const nodeFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL)) return fallback(input, init);
    const body = encodeBody(init?.body);
    if (body === undefined) return fallback(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fallback(input, init);
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const request: OutgoingRequest = {
      url,
      method: (init?.method ?? 'GET').toUpperCase(),
      headers: requestHeaders(init?.headers, body),
      body: body.bytes,
      signal,
      idleTimeoutMs,
      agent: url.protocol === 'https:' ? agents.https : agents.http,
    };
    const response = await send(request);
    if (REDIRECTS.has(response.status) && response.headers.has('location') && init?.redirect !== 'manual') {
      // The platform's fetch knows every redirect rule (method changes, header stripping, limits): it sends
      // the request again from the start, as it would have.
      await response.body?.cancel();
      return fallback(input, init);
    }
    return response;
  };
  return nodeFetch as typeof fetch;
}

/** A request body as bytes with its implied content type; undefined when it is not one this client sends. */
function encodeBody(
  body: RequestInit['body'],
): { bytes: Buffer | undefined; contentType?: string } | undefined {
  if (body === undefined || body === null) return { bytes: undefined };
  if (typeof body === 'string') return { bytes: Buffer.from(body), contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams)
    return {
      bytes: Buffer.from(body.toString()),
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
    };
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body) };
  if (ArrayBuffer.isView(body)) return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  return undefined;
}

/** The request's headers as `node:http` takes them, lower-cased, with what fetch would add. */
function requestHeaders(
  given: RequestInit['headers'],
  body: { bytes: Buffer | undefined; contentType?: string },
): Record<string, string> {
  const headers: Record<string, string> = {};
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  };
  if (given instanceof Headers) for (const [name, value] of given) add(name, value);
  else if (Array.isArray(given)) for (const [name, value] of given) add(name as string, value as string);
  else if (given)
    for (const [name, value] of Object.entries(given as Record<string, string | undefined>))
      if (value !== undefined) add(name, value);
  headers.accept ??= '*/*';
  headers['user-agent'] ??= 'node';
  headers['accept-encoding'] ??= 'gzip, deflate, br';
  if (body.bytes !== undefined) {
    headers['content-length'] = String(body.bytes.length);
    if (body.contentType !== undefined) headers['content-type'] ??= body.contentType;
  }
  return headers;
}

/** One request as `send` makes it. */
interface OutgoingRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: AbortSignal | undefined;
  idleTimeoutMs: number;
  agent: http.Agent;
}

/** Why an aborted request or body fails: the signal's reason, as fetch rejects with. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Sends the request and resolves once the response's headers are in. An idempotent request (GET, HEAD, PUT,
 * DELETE, OPTIONS) on a kept-alive socket the server closed meanwhile (`ECONNRESET` before any response, on a
 * reused socket) is sent once more on a new one, as undici does. A POST is not: a reset can also cut off an
 * answer the server was already sending, and the callers (the SDK, the Web API client) retry by their own
 * rules.
 */
function send(request: OutgoingRequest, retried = false): Promise<Response> {
  const { url, signal } = request;
  return new Promise<Response>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(url, {
      method: request.method,
      headers: request.headers,
      agent: request.agent,
    });
    let responded = false;
    const onAbort = () => outgoing.destroy(abortReason(signal as AbortSignal) as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    const unlisten = () => signal?.removeEventListener('abort', onAbort);
    outgoing.setTimeout(request.idleTimeoutMs, () =>
      outgoing.destroy(
        Object.assign(new Error('no response within the idle timeout'), { code: 'ETIMEDOUT' }),
      ),
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (responded) return;
      unlisten();
      if (signal?.aborted) return reject(abortReason(signal));
      if (!retried && outgoing.reusedSocket && error.code === 'ECONNRESET' && IDEMPOTENT.has(request.method))
        return resolve(send(request, true));
      reject(new TypeError('fetch failed', { cause: error }));
    });
    outgoing.on('response', (incoming) => {
      responded = true;
      const status = incoming.statusCode ?? 0;
      const headers = new Headers();
      const raw = incoming.rawHeaders;
      for (let index = 0; index < raw.length; index += 2) headers.append(raw[index]!, raw[index + 1]!);
      const nullBody = NULL_BODY.has(status) || request.method === 'HEAD';
      const body = nullBody ? null : webStreamOf(decoded(incoming, headers), incoming, signal, unlisten);
      if (nullBody) {
        incoming.resume();
        unlisten();
      }
      resolve(new Response(body, { status, statusText: incoming.statusMessage ?? '', headers }));
    });
    outgoing.end(request.body);
  });
}

/** The body as sent, or decoded when it came gzip-, deflate- or br-encoded (fetch decodes them too). */
function decoded(incoming: http.IncomingMessage, headers: Headers): Readable {
  const encoding = headers.get('content-encoding')?.trim().toLowerCase();
  // As undici: flush what arrived, so a stream of small events is not held back, and accept a cut-off end.
  const flush = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip(flush)
      : encoding === 'deflate'
        ? createInflate(flush)
        : encoding === 'br'
          ? createBrotliDecompress({
              flush: constants.BROTLI_OPERATION_FLUSH,
              finishFlush: constants.BROTLI_OPERATION_FLUSH,
            })
          : undefined;
  if (!decoder) return incoming;
  incoming.on('error', (error) => decoder.destroy(error));
  return incoming.pipe(decoder);
}

/**
 * A web stream over the response body that reads only as fast as its reader (the socket is paused while the
 * stream's queue is full), fails with the abort reason when the signal fires mid-body, and frees the socket
 * when the reader cancels.
 */
function webStreamOf(
  source: Readable,
  incoming: http.IncomingMessage,
  signal: AbortSignal | undefined,
  unlisten: () => void,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let done = false;
      const fail = (error: unknown) => {
        if (done) return;
        done = true;
        unlisten();
        controller.error(
          signal?.aborted ? abortReason(signal) : new TypeError('terminated', { cause: error }),
        );
      };
      source.on('data', (chunk: Buffer) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
      });
      source.on('end', () => {
        if (done) return;
        done = true;
        unlisten();
        controller.close();
      });
      source.on('error', fail);
      // Destroyed by an abort (or a server that hung up) before the end: the body is cut off.
      incoming.on('close', () => {
        if (!incoming.complete) fail(new Error('the response ended before its body did'));
      });
    },
    pull() {
      source.resume();
    },
    cancel() {
      unlisten();
      incoming.destroy();
    },
  });
}
