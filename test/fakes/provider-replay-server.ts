import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Replays recorded provider responses (`shared/fixtures/provider-replay/`: `fixtures.json` + `bodies/`) on
 * 127.0.0.1, byte for byte: the recorded status, the recorded headers (plus `content-length`), the body as
 * stored. The fixtures live beside the repository (CI places `shared/` next to it) and are read from there,
 * never copied in.
 *
 * Routes: `POST /v1/chat/completions` and `POST /v1/responses`. A chat-completions stream is served only on the
 * first, a Responses event stream (`"type":"response.…"` events) only on the second, an HTTP error body on
 * either (servers send the same error whichever route takes `model`). A stream is served only to a request that
 * asked for one and a non-streamed `json` body only to one that did not, as a real server would; any other
 * request gets a `replay_mismatch` 400 and is recorded as not served.
 */

/** The replay directory, resolved from this file (`test/fakes/`) to `shared/` beside the repository. */
export const PROVIDER_REPLAY_DIR = new URL('../../../shared/fixtures/provider-replay/', import.meta.url);

/** One entry of `fixtures.json`. */
export interface ProviderFixture {
  /** Unique id, also the body's file name without `.body`. */
  id: string;
  /** Who sent it (OpenAI, vLLM, …). */
  provider: string;
  /** `stream` (succeeds), `stream-error` (fails inside a 200 stream), `http-error`, or `json` (non-streamed). */
  kind: 'stream' | 'stream-error' | 'http-error' | 'json';
  /** The model the recording was made with. */
  model: string;
  /** HTTP status to send. */
  status: number;
  /** Headers to send (lower-case names). */
  headers: Record<string, string>;
  /** What the user should learn from a failing fixture (`auth`, `length`, `rate`, …). */
  expect?: { cause: string };
  /** What the recording exercises. */
  note: string;
  /** File name in `bodies/`. */
  body: string;
}

/** A fixture with its bytes. */
export interface LoadedFixture extends ProviderFixture {
  /** The body exactly as stored. */
  bytes: Buffer;
  /** The route that serves it: `chat`, `responses`, or `any` for an HTTP error body. */
  route: 'chat' | 'responses' | 'any';
}

/** One request the replay received. */
export interface ReplayedRequest {
  /** Request path. */
  path: string;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** Request headers. */
  headers: IncomingHttpHeaders;
  /** Whether the fixture was served (false: a `replay_mismatch` answer). */
  served: boolean;
}

/** A running replay server. */
export interface ProviderReplay {
  /** Base URL including `/v1`. */
  url: string;
  /** Every request received since the last `serve`. */
  readonly requests: ReplayedRequest[];
  /** Serves `fixture` to every following request (so SDK retries get the same answer). */
  serve(fixture: LoadedFixture): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Options of `startProviderReplay`. */
export interface ProviderReplayOptions {
  /** Writes a body in pieces of this many bytes, each in its own turn of the event loop (default: whole). */
  chunkBytes?: number;
}

/** Reads the manifest and every body. */
export async function loadProviderFixtures(dir: URL = PROVIDER_REPLAY_DIR): Promise<LoadedFixture[]> {
  const manifest = JSON.parse(await readFile(new URL('fixtures.json', dir), 'utf8')) as ProviderFixture[];
  return Promise.all(
    manifest.map(async (fixture) => {
      const bytes = await readFile(new URL(`bodies/${fixture.body}`, dir));
      return { ...fixture, bytes, route: routeOf(fixture, bytes) };
    }),
  );
}

function routeOf(fixture: ProviderFixture, bytes: Buffer): LoadedFixture['route'] {
  if (fixture.kind === 'http-error') return 'any';
  return /"type"\s*:\s*"response\./.test(bytes.toString('utf8')) ? 'responses' : 'chat';
}

/** Starts the replay on 127.0.0.1 at a free port. */
export async function startProviderReplay(options: ProviderReplayOptions = {}): Promise<ProviderReplay> {
  let current: LoadedFixture | undefined;
  const requests: ReplayedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const path = req.url ?? '';
    const mismatch = current ? mismatchOf(current, path, req.method, body) : 'no fixture is being served';
    requests.push({ path, body, headers: req.headers, served: mismatch === undefined });
    if (mismatch !== undefined || !current) return refuse(res, mismatch ?? 'no fixture');
    await send(res, current, options.chunkBytes);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    serve(fixture) {
      current = fixture;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function mismatchOf(
  fixture: LoadedFixture,
  path: string,
  method: string | undefined,
  body: Record<string, unknown>,
): string | undefined {
  const route = path === '/v1/chat/completions' ? 'chat' : path === '/v1/responses' ? 'responses' : undefined;
  if (method !== 'POST' || route === undefined) return `${method} ${path} is not a replayed route`;
  if (fixture.route !== 'any' && fixture.route !== route) return `${fixture.id} is not a ${route} response`;
  const streaming = body.stream === true;
  if (fixture.kind === 'json' && streaming) {
    return `${fixture.id} is a non-streamed body; the request asked for a stream`;
  }
  if ((fixture.kind === 'stream' || fixture.kind === 'stream-error') && !streaming) {
    return `${fixture.id} is a stream; the request did not ask for one`;
  }
  return undefined;
}

async function send(res: ServerResponse, fixture: LoadedFixture, chunkBytes: number | undefined) {
  res.writeHead(fixture.status, { ...fixture.headers, 'content-length': String(fixture.bytes.length) });
  const step = chunkBytes && chunkBytes > 0 ? chunkBytes : fixture.bytes.length;
  for (let offset = 0; offset < fixture.bytes.length; offset += step) {
    if (res.destroyed) return;
    res.write(fixture.bytes.subarray(offset, offset + step));
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

function refuse(res: ServerResponse, reason: string) {
  const body = JSON.stringify({ error: { message: `provider-replay: ${reason}`, type: 'replay_mismatch' } });
  res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
