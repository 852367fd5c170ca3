import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PostedMessage, ReplyChannel, ReplyStream } from '../../src/turn/reply-channel.ts';

/**
 * A recording chat platform on 127.0.0.1 (real HTTP) plus the `ReplyChannel` that talks to it, so replies
 * posted by several worker processes land in one place where duplicates and ordering are visible.
 *
 * Wire protocol (JSON bodies; the poster's process id travels in `x-worker-pid`):
 * - `POST /messages` `{channelId, threadId?, replyTo?, text}` → `{channelId, messageId}`
 * - `POST /messages/edit` `{channelId, messageId, text, final}` → `{}` (404 for an unknown message)
 * - `POST /messages/recorded` `{messageIds}` → `{}`: the poster confirms that `onPosted` resolved, or a re-run that
 *   they came back from the queue: either way the queue durably knows about these messages. A message posted but never confirmed was lost in the gap between the
 *   platform answering and the worker recording it (a crash there makes any post-then-record scheme post twice).
 *
 * Every request gets a global arrival number, so order and overlap are judged without wall-clock time.
 */

/** One write to a message (the post itself, or an edit). */
export interface PlatformWrite {
  /** The message text after this write. */
  text: string;
  /** Process id of the writer. */
  pid: number;
  /** Global arrival number of the request. */
  arrival: number;
  /** Whether the writer said this is the reply's final text (`ReplyStream.finish`). */
  final: boolean;
}

/** A message as the platform holds it. */
export interface PlatformMessage {
  /** Platform message id (`m1`, `m2`, …; increasing in posting order). */
  id: string;
  /** Numeric part of `id`, for ordering. */
  serial: number;
  /** Channel it was posted in. */
  channelId: string;
  /** Thread it was posted in, if any. */
  threadId: string | undefined;
  /** Message it answers (the turn's id in these tests), if any. */
  replyTo: string | undefined;
  /** Current text. */
  text: string;
  /** Whether the current text was written by a `finish`. */
  final: boolean;
  /** Whether a poster confirmed that the message was recorded for re-runs. */
  recorded: boolean;
  /** Arrival number of that confirmation (0 while unconfirmed). */
  recordedAt: number;
  /** The post, then every edit, in arrival order. */
  writes: PlatformWrite[];
}

/** A running fake platform. */
export interface FakeChatPlatform {
  /** Base URL, e.g. `http://127.0.0.1:1234`. */
  url: string;
  /** Every message ever posted, in posting order. */
  messages: PlatformMessage[];
  /** Requests that were rejected (unknown message, bad body), for assertions. */
  rejected: Array<{ path: string; reason: string }>;
  /** Requests answered so far (the last arrival number handed out). */
  arrivals(): number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>);
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** Starts the fake platform on 127.0.0.1 and a free port. */
export async function startFakeChatPlatform(): Promise<FakeChatPlatform> {
  const messages: PlatformMessage[] = [];
  const byId = new Map<string, PlatformMessage>();
  const rejected: FakeChatPlatform['rejected'] = [];
  let arrival = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const body = await readJson(req);
    const pid = Number(req.headers['x-worker-pid'] ?? 0);
    const at = ++arrival;
    const reject = (status: number, reason: string) => {
      rejected.push({ path, reason });
      send(res, status, { error: reason });
    };

    if (req.method === 'POST' && path === '/messages') {
      const channelId = optionalString(body.channelId);
      const text = optionalString(body.text);
      if (!channelId || text === undefined) return reject(400, 'channelId and text are required');
      const serial = messages.length + 1;
      const message: PlatformMessage = {
        id: `m${serial}`,
        serial,
        channelId,
        threadId: optionalString(body.threadId),
        replyTo: optionalString(body.replyTo),
        text,
        final: body.final === true,
        recorded: false,
        recordedAt: 0,
        writes: [{ text, pid, arrival: at, final: body.final === true }],
      };
      messages.push(message);
      byId.set(message.id, message);
      return send(res, 200, { channelId, messageId: message.id });
    }
    if (req.method === 'POST' && path === '/messages/edit') {
      const message = byId.get(optionalString(body.messageId) ?? '');
      const text = optionalString(body.text);
      if (!message || message.channelId !== body.channelId) return reject(404, 'message_not_found');
      if (text === undefined) return reject(400, 'text is required');
      message.text = text;
      message.final = body.final === true;
      message.writes.push({ text, pid, arrival: at, final: message.final });
      return send(res, 200, {});
    }
    if (req.method === 'POST' && path === '/messages/recorded') {
      const ids = Array.isArray(body.messageIds) ? body.messageIds : [];
      for (const id of ids) {
        const message = byId.get(String(id));
        if (message && !message.recorded) {
          message.recorded = true;
          message.recordedAt = at;
        }
      }
      return send(res, 200, {});
    }
    return reject(404, `unknown route ${req.method} ${path}`);
  };

  // A long keep-alive so a client never reuses a socket the server is just closing (a spurious reset).
  const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A worker killed mid-request leaves a broken body; nothing to answer then.
      if (!res.headersSent && !res.destroyed) send(res, 400, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    rejected,
    arrivals: () => arrival,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Options of `createHttpReplyChannel`. */
export interface HttpReplyChannelOptions {
  /** Base URL of the fake platform. */
  url: string;
  /** Sent as `x-worker-pid` with every request (defaults to this process's pid). */
  pid?: number;
}

/**
 * A `ReplyChannel` (platform `console`) on the fake platform, shaped like a Slack reply: `showWorking` posts a
 * placeholder that the final text later replaces, so a turn has exactly one message from start to finish.
 * The message is posted in `target.channelId`/`threadId` and answers `target.replyToMessageId`. A re-run gets
 * the messages of the interrupted run in `previous` and edits them instead of posting again.
 * Streaming updates are not sent (the fake model answers in one go anyway).
 */
export function createHttpReplyChannel(options: HttpReplyChannelOptions): ReplyChannel {
  const pid = String(options.pid ?? process.pid);
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${options.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-worker-pid': pid },
      body: JSON.stringify(body),
    });
    const payload = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`fake platform ${path} answered ${response.status}: ${payload.error}`);
    return payload;
  };

  return {
    platform: 'console',
    openReply(target, { previous, onPosted }): ReplyStream {
      const posted: PostedMessage[] = [...previous];
      // A re-run learnt these from the queue, which proves they were recorded (the interrupted run may have
      // died before confirming that itself).
      let confirmPrevious = previous.length > 0;

      const write = async (text: string, final: boolean): Promise<void> => {
        if (confirmPrevious) {
          confirmPrevious = false;
          await call('/messages/recorded', { messageIds: previous.map((message) => message.messageId) });
        }
        const first = posted[0];
        if (first) {
          await call('/messages/edit', {
            channelId: first.channelId,
            messageId: first.messageId,
            text,
            final,
          });
          return;
        }
        const answer = await call('/messages', {
          channelId: target.channelId,
          threadId: target.threadId,
          replyTo: target.replyToMessageId,
          text,
          final,
        });
        posted.push({ channelId: String(answer.channelId), messageId: String(answer.messageId) });
        await onPosted([...posted]);
        await call('/messages/recorded', { messageIds: posted.map((message) => message.messageId) });
      };

      return {
        showWorking: () => write('…', false),
        update() {},
        finish: (text) => write(text, true),
      };
    },
  };
}
