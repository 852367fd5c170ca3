import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { waitFor } from '../helpers/wait-for.ts';
import { createFakeSlackAi, type FakeSlackAi } from './fake-slack-ai.ts';

/** One Web API call as the fake received it. */
export interface RecordedCall {
  /** Method name, e.g. `chat.postMessage`. */
  method: string;
  /** Parameters, from a form-encoded or JSON body (form values are strings, as Slack receives them). */
  body: Record<string, unknown>;
  /** Bearer token the call carried. */
  token: string | undefined;
  /** When it arrived, ms since epoch. */
  at: number;
  /** HTTP status the fake answered with (set once the answer is sent; 429 for an injected rate limit). */
  status?: number;
}

/** A message as the fake stores it (bot posts and seeded thread messages). */
export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  /** Times `chat.update` changed it. */
  edits: number;
  /** Whether a native stream (`chat.startStream`) is open on it. */
  streaming?: boolean;
  /** Times `chat.appendStream` added to it. */
  appends?: number;
  /** Blocks it carries (buttons under an answer). */
  blocks?: unknown[];
}

/** A seeded Slack user. */
export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
  profile?: { display_name?: string; real_name?: string };
  /** Workspace roles, as `users.info` reports them. */
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
}

/** A seeded Slack channel, as `conversations.info` reports it. */
export interface FakeChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_mpim?: boolean;
  /** Whether the bot is a member (as `conversations.info` tells a bot token). */
  is_member?: boolean;
}

/** A file uploaded through `files.getUploadURLExternal` → upload URL → `files.completeUploadExternal`. */
export interface FakeUpload {
  /** File id handed out by `files.getUploadURLExternal`. */
  id: string;
  /** File name the app gave. */
  filename: string;
  /** Byte length the app announced. */
  length: number;
  /** The bytes posted to the upload URL (undefined until then). */
  bytes: Buffer | undefined;
  /** Whether `files.completeUploadExternal` shared it. */
  completed: boolean;
  /** Title given at completion. */
  title?: string;
  /** Where it was shared (`channel_id`, `thread_ts`) and the message introducing it. */
  channel?: string;
  threadTs?: string;
  initialComment?: string;
}

/** One post to a `response_url` the fake handed out. */
export interface RecordedResponse {
  /** Path of the URL, e.g. `/commands/T1/1/abc`. */
  path: string;
  /** The JSON body. */
  body: Record<string, unknown>;
  /** When it arrived, ms since epoch. */
  at: number;
}

/** A file the fake serves (see `addFile`). */
export interface FakeFile {
  /** File id, `F…`. */
  id: string;
  /** File name. */
  name: string;
  /** MIME type reported in its file object. */
  mimetype: string;
  /** What a download with the right token gets. */
  bytes: Buffer;
  /** The file object `files.info` answers with (and the event carries, unless `slackConnect`). */
  object: Record<string, unknown>;
}

/** One GET of a file URL. */
export interface RecordedDownload {
  /** The file id in the URL. */
  fileId: string;
  /** Bearer token the request carried. */
  token: string | undefined;
  /** HTTP status answered: 200 with the bytes, 200 HTML login page for a wrong token, 404, or a failure's. */
  status: number;
  /** Whether the file's bytes were served. */
  served: boolean;
  /** When it arrived, ms since epoch. */
  at: number;
}

/** Input of `addFile`. */
export interface FakeFileInput {
  /** File name. */
  name: string;
  /** Content. */
  bytes: Buffer | Uint8Array | string;
  /** MIME type; default `application/octet-stream`. */
  mimetype?: string;
  /** File id; default a fresh `F0FILE…`. */
  id?: string;
  /** Shared from another organisation: the event's file is a stub only `files.info` completes. */
  slackConnect?: boolean;
}

/** How a failing call answers. */
export type FakeFailure =
  | { status: 429; retryAfter: number }
  | { ok: false; error: string }
  | { status: number };

/** Identity the fake's `auth.test` reports. */
export interface FakeIdentity {
  teamId: string;
  userId: string;
  botId: string;
  botName: string;
}

/** A running fake Slack Web API. */
export interface FakeSlackApi {
  /** Base URL for `SLACK_API_URL`, ending in `/api/`. */
  url: string;
  /** Every call, in arrival order. */
  calls: RecordedCall[];
  /** Calls of one method. */
  callsTo(method: string): RecordedCall[];
  /** Users `users.info` knows, by id (seed freely). */
  users: Map<string, FakeUser>;
  /** Channels `conversations.info` knows, by id (seed freely): at least `{ id, name }`. */
  channels: Map<string, FakeChannel>;
  /** Thread messages `conversations.replies` returns besides the bot's own posts, by `<channel>:<thread_ts>`. */
  threads: Map<string, Array<Omit<FakeMessage, 'edits' | 'channel'>>>;
  /** Messages the bot posted (edits applied), by `ts`. */
  messages: Map<string, FakeMessage>;
  /** The bot's messages in a channel (optionally one thread), oldest first. */
  messagesIn(channel: string, threadTs?: string): FakeMessage[];
  /** Identity reported by `auth.test`. */
  identity: FakeIdentity;
  /**
   * Makes the next `count` calls of `method` fail (`Infinity` for all of them). Besides Web API methods:
   * `upload` (posts of file bytes) and `response_url`, which answer with the failure's HTTP status.
   */
  failNext(method: string, count: number, failure: FakeFailure): void;
  /** Delays every answer to `method` by `ms` (0 to stop). */
  delay(method: string, ms: number): void;
  /** The bot token file downloads and `files.info` require (`Authorization: Bearer <token>`). */
  botToken: string;
  /**
   * Adds a file the fake serves and returns its object as a message's `files[]` carries it: `url_private` and
   * `url_private_download` on this fake (`/files-pri/<team>-<id>/[download/]<name>`), which answer GETs with
   * the bytes only with `botToken` (anything else: a 200 HTML login page, as Slack); `files.info` describes it.
   * With `slackConnect`, the returned object is the stub Slack sends (`file_access: 'check_file_info'`).
   */
  addFile(input: FakeFileInput): Record<string, unknown>;
  /** Files `addFile` added, by id (`files.info` and the file URLs serve these). */
  files: Map<string, FakeFile>;
  /** GETs of file URLs, in order (`failNext('download', …)` makes them fail with the failure's status). */
  downloads: RecordedDownload[];
  /** Files uploaded with the external upload flow (`files.uploadV2`), in order. */
  uploads: FakeUpload[];
  /** Posts to `response_url`s, in order. */
  responses: RecordedResponse[];
  /** A fresh `response_url` on this fake (as Slack puts in a slash command payload). */
  responseUrl(): string;
  /** What `apps.connections.open` answers with (set by the fake Socket Mode server). */
  socketModeUrl: string | undefined;
  /** Assistant threads, native streaming, channel history and the workspace rate budget (see `createFakeSlackAi`). */
  ai: FakeSlackAi;
  /** Resolves once `predicate` holds for the recorded calls, polling; rejects after `timeoutMs`. */
  waitFor(predicate: (calls: RecordedCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets recorded calls, downloads, posted messages, uploads and responses (not users, channels, threads, files or identity). */
  reset(): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Options of `startFakeSlackApi`. */
export interface FakeSlackApiOptions {
  /** Identity for `auth.test`. */
  identity?: Partial<FakeIdentity>;
  /** Bot token file downloads and `files.info` require; default `xoxb-fake-bot-token`. */
  botToken?: string;
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return {};
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const parsed = parseQuery(raw);
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) body[key] = Array.isArray(value) ? value[0] : value;
  return body;
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** Blocks from a JSON body (an array) or a form body (a JSON string). */
const parseBlocks = (value: unknown): unknown[] | undefined => {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const blocks = JSON.parse(value) as unknown;
    return Array.isArray(blocks) ? blocks : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A Slack Web API on 127.0.0.1 that speaks the real wire format (POST `/api/<method>`, form-encoded or
 * JSON bodies, `{ok, …}` answers, 429 with `Retry-After`) and records every call. Cheap enough for load tests.
 */
export async function startFakeSlackApi(options: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const identity: FakeIdentity = {
    teamId: 'T0FAKE',
    userId: 'UBOT',
    botId: 'BBOT',
    botName: 'parley',
    ...options.identity,
  };
  const calls: RecordedCall[] = [];
  const users = new Map<string, FakeUser>();
  const channels = new Map<string, FakeChannel>();
  const threads = new Map<string, Array<Omit<FakeMessage, 'edits' | 'channel'>>>();
  const messages = new Map<string, FakeMessage>();
  const failures = new Map<string, { remaining: number; failure: FakeFailure }>();
  const delays = new Map<string, number>();
  const uploads: FakeUpload[] = [];
  const responses: RecordedResponse[] = [];
  const files = new Map<string, FakeFile>();
  const downloads: RecordedDownload[] = [];
  const baseSeconds = Math.floor(Date.now() / 1000);
  let counter = 0;
  let fileCounter = 0;
  let origin = '';
  const nextTs = () => {
    counter += 1;
    return `${baseSeconds + Math.floor(counter / 1_000_000)}.${String(counter % 1_000_000).padStart(6, '0')}`;
  };

  const ai = createFakeSlackAi({ messages, nextTs, identity });
  const handlers: Record<
    string,
    (body: Record<string, unknown>, token: string | undefined) => Record<string, unknown>
  > = {
    'auth.test': () => ({
      url: 'https://fake.slack.com/',
      team: 'Fake Team',
      user: identity.botName,
      team_id: identity.teamId,
      user_id: identity.userId,
      bot_id: identity.botId,
    }),
    'chat.postMessage': (body) => {
      const channel = str(body.channel);
      const text = typeof body.text === 'string' ? body.text : undefined;
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (text === undefined && body.blocks === undefined) return { ok: false, error: 'no_text' };
      const ts = nextTs();
      const message: FakeMessage = {
        channel,
        ts,
        text: text ?? '',
        thread_ts: str(body.thread_ts),
        user: identity.userId,
        bot_id: identity.botId,
        edits: 0,
      };
      const blocks = parseBlocks(body.blocks);
      if (blocks) message.blocks = blocks;
      messages.set(ts, message);
      return {
        channel,
        ts,
        message: {
          type: 'message',
          text: message.text,
          user: identity.userId,
          bot_id: identity.botId,
          ts,
          thread_ts: message.thread_ts,
        },
      };
    },
    'chat.update': (body) => {
      const message = messages.get(str(body.ts) ?? '');
      if (!message || message.channel !== str(body.channel)) return { ok: false, error: 'message_not_found' };
      const text = typeof body.text === 'string' ? body.text : body.markdown_text;
      message.text = typeof text === 'string' ? text : message.text;
      const blocks = parseBlocks(body.blocks);
      if (blocks) message.blocks = blocks;
      message.edits += 1;
      return { channel: message.channel, ts: message.ts, text: message.text };
    },
    'chat.delete': (body) => {
      const ts = str(body.ts) ?? '';
      if (!messages.delete(ts)) return { ok: false, error: 'message_not_found' };
      return { channel: str(body.channel), ts };
    },
    'chat.postEphemeral': (body) => {
      if (!str(body.channel) || !str(body.user)) return { ok: false, error: 'channel_not_found' };
      return { message_ts: nextTs() };
    },
    'users.info': (body) => {
      const user = users.get(str(body.user) ?? '');
      return user ? { user } : { ok: false, error: 'user_not_found' };
    },
    'conversations.info': (body) => {
      const channel = channels.get(str(body.channel) ?? '');
      return channel ? { channel } : { ok: false, error: 'channel_not_found' };
    },
    'conversations.replies': (body) => {
      const channel = str(body.channel) ?? '';
      const threadTs = str(body.ts) ?? '';
      const latest = str(body.latest);
      const inclusive = body.inclusive === true || body.inclusive === 'true' || body.inclusive === '1';
      const seeded = (threads.get(`${channel}:${threadTs}`) ?? []).map((message) => ({
        type: 'message',
        ...message,
      }));
      const posted = [...messages.values()]
        .filter((message) => message.channel === channel && message.thread_ts === threadTs)
        .map(({ edits: _edits, channel: _channel, ...message }) => ({ type: 'message', ...message }));
      if (seeded.length === 0 && posted.length === 0) return { ok: false, error: 'thread_not_found' };
      const all = [...seeded, ...posted]
        .filter((message) =>
          latest === undefined
            ? true
            : inclusive
              ? Number(message.ts) <= Number(latest)
              : Number(message.ts) < Number(latest),
        )
        .sort((a, b) => Number(a.ts) - Number(b.ts));
      return { messages: all, has_more: false, response_metadata: { next_cursor: '' } };
    },
    'assistant.threads.setStatus': (body) => {
      if (!str(body.channel_id) || !str(body.thread_ts)) return { ok: false, error: 'invalid_arguments' };
      return {};
    },
    ...ai.handlers,
    'files.getUploadURLExternal': (body) => {
      const filename = str(body.filename);
      const length = Number(body.length);
      if (!filename || !Number.isInteger(length) || length <= 0)
        return { ok: false, error: 'invalid_arguments' };
      fileCounter += 1;
      const id = `F0FAKE${String(fileCounter).padStart(4, '0')}`;
      uploads.push({ id, filename, length, bytes: undefined, completed: false });
      return { upload_url: `${origin}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (body) => {
      let files: Array<{ id?: unknown; title?: unknown }>;
      try {
        files = JSON.parse(typeof body.files === 'string' ? body.files : JSON.stringify(body.files ?? null));
      } catch {
        return { ok: false, error: 'invalid_arguments' };
      }
      if (!Array.isArray(files) || files.length === 0) return { ok: false, error: 'invalid_arguments' };
      const found = files.map((file) => uploads.find((upload) => upload.id === file.id));
      // Slack refuses to complete a file whose bytes never arrived.
      if (found.some((upload) => upload === undefined || upload.bytes === undefined)) {
        return { ok: false, error: 'file_not_found' };
      }
      const channel = str(body.channel_id);
      const threadTs = str(body.thread_ts);
      const initialComment = typeof body.initial_comment === 'string' ? body.initial_comment : undefined;
      for (const [index, upload] of found.entries()) {
        upload!.completed = true;
        upload!.title = str(files[index]!.title) ?? upload!.filename;
        upload!.channel = channel;
        upload!.threadTs = threadTs;
        upload!.initialComment = initialComment;
      }
      return {
        files: found.map((upload) => ({ id: upload!.id, name: upload!.filename, title: upload!.title })),
      };
    },
    'files.info': (body, token) => {
      if (token !== api.botToken) return { ok: false, error: 'invalid_auth' };
      const file = files.get(str(body.file) ?? '');
      return file ? { file: file.object } : { ok: false, error: 'file_not_found' };
    },
    'apps.connections.open': () =>
      api.socketModeUrl ? { url: api.socketModeUrl } : { ok: false, error: 'invalid_auth' },
  };

  /** Answers with an armed failure of `method`, if any; true when it did. */
  const failIfArmed = (method: string, response: ServerResponse): boolean => {
    const failing = failures.get(method);
    if (!failing || failing.remaining <= 0) return false;
    failing.remaining -= 1;
    const { failure } = failing;
    if ('retryAfter' in failure) {
      send(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter) });
    } else if ('error' in failure) {
      send(response, 200, { ok: false, error: failure.error });
    } else {
      send(response, failure.status, { ok: false, error: 'fake_http_error' });
    }
    return true;
  };

  /** The bytes posted to an upload URL: the file part of a multipart form (as the WebClient sends), or raw. */
  const readUpload = async (request: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const type = request.headers['content-type'] ?? '';
    if (!type.includes('multipart/form-data')) return raw;
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    for (const value of form.values()) {
      if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
    }
    throw new Error('multipart upload without a file');
  };

  const handleUpload = async (id: string, request: IncomingMessage, response: ServerResponse) => {
    const upload = uploads.find((candidate) => candidate.id === id);
    if (!upload) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('file_not_found');
      return;
    }
    if (failIfArmed('upload', response)) return;
    upload.bytes = await readUpload(request);
    response.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${upload.bytes.length}`);
  };

  const handleResponseUrl = async (path: string, request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (failIfArmed('response_url', response)) return;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      return;
    }
    responses.push({ path, body, at: Date.now() });
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };

  /** A GET of a file URL: the bytes with the bot token; Slack's HTML login page without it. */
  const handleDownload = (fileId: string, request: IncomingMessage, response: ServerResponse) => {
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const download: RecordedDownload = { fileId, token, status: 200, served: false, at: Date.now() };
    downloads.push(download);
    response.once('finish', () => {
      download.status = response.statusCode;
    });
    const file = files.get(fileId);
    if (failIfArmed('download', response)) return;
    if (token !== api.botToken) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>',
      );
    } else if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('file_not_found');
    } else {
      download.served = true;
      response.writeHead(200, { 'content-type': file.mimetype, 'content-length': file.bytes.length });
      response.end(file.bytes);
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0]!;
    const filePath = /^\/files-pri\/[A-Za-z0-9]+-([A-Za-z0-9]+)\//.exec(path);
    if (request.method === 'GET' && filePath) {
      handleDownload(filePath[1]!, request, response);
      return;
    }
    const upload = /^\/upload\/([A-Za-z0-9]+)$/.exec(path);
    if (request.method === 'POST' && upload) {
      await handleUpload(upload[1]!, request, response);
      return;
    }
    if (request.method === 'POST' && path.startsWith('/commands/')) {
      await handleResponseUrl(path, request, response);
      return;
    }
    const match = /^\/api\/([A-Za-z.]+)/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) {
      send(response, 404, { ok: false, error: 'unknown_method' });
      return;
    }
    const method = match[1]!;
    let body: Record<string, unknown>;
    try {
      body = await readBody(request);
    } catch {
      send(response, 200, { ok: false, error: 'invalid_json' });
      return;
    }
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : str(body.token);
    const call: RecordedCall = { method, body, token, at: Date.now() };
    calls.push(call);
    response.once('finish', () => {
      call.status = response.statusCode;
    });

    const wait = delays.get(method) ?? 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));

    if (failIfArmed(method, response)) return;
    if (ai.rateLimit(method, response, send)) return;
    const handler = handlers[method];
    if (!handler) {
      send(response, 200, { ok: false, error: 'unknown_method' });
      return;
    }
    const result = handler(body, token);
    send(response, 200, { ok: true, ...result });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, { ok: false, error: 'fake_crashed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  let responseUrlCounter = 0;

  const api: FakeSlackApi = {
    url: `${origin}/api/`,
    calls,
    callsTo: (method) => calls.filter((call) => call.method === method),
    users,
    channels,
    threads,
    messages,
    messagesIn: (channel, threadTs) =>
      [...messages.values()]
        .filter(
          (message) =>
            message.channel === channel && (threadTs === undefined || message.thread_ts === threadTs),
        )
        .sort((a, b) => Number(a.ts) - Number(b.ts)),
    identity,
    botToken: options.botToken ?? 'xoxb-fake-bot-token',
    files,
    downloads,
    addFile(input) {
      fileCounter += 1;
      const id = input.id ?? `F0FILE${String(fileCounter).padStart(4, '0')}`;
      const bytes = Buffer.from(input.bytes);
      const mimetype = input.mimetype ?? 'application/octet-stream';
      const base = `${origin}/files-pri/${identity.teamId}-${id}`;
      const name = encodeURIComponent(input.name);
      const object = {
        id,
        name: input.name,
        title: input.name,
        mimetype,
        size: bytes.length,
        user: 'U0FILEOWNER',
        mode: 'hosted',
        is_external: false,
        url_private: `${base}/${name}`,
        url_private_download: `${base}/download/${name}`,
        file_access: 'visible',
      };
      files.set(id, { id, name: input.name, mimetype, bytes, object });
      return input.slackConnect
        ? { id, mode: 'file_access', file_access: 'check_file_info', created: 0, timestamp: 0, user: '' }
        : { ...object };
    },
    uploads,
    responses,
    responseUrl() {
      responseUrlCounter += 1;
      return `${origin}/commands/${identity.teamId}/${responseUrlCounter}/fake${responseUrlCounter}`;
    },
    failNext(method, count, failure) {
      failures.set(method, { remaining: count, failure });
    },
    delay(method, ms) {
      delays.set(method, ms);
    },
    socketModeUrl: undefined,
    ai: ai.state,
    async waitFor(predicate, timeoutMs = 10_000) {
      await waitFor('a condition on the fake Slack API calls', () => predicate(calls), {
        timeoutMs,
        intervalMs: 10,
      });
    },
    reset() {
      calls.length = 0;
      downloads.length = 0;
      messages.clear();
      uploads.length = 0;
      responses.length = 0;
      failures.clear();
      delays.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return api;
}
