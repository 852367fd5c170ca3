import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A token with `files:read`; the only one the host serves files to. */
export const GOOD_TOKEN = 'xoxb-good';
/** A valid token without `files:read`: Slack answers it with its sign-in page, status 200. */
export const NO_SCOPE_TOKEN = 'xoxb-no-scope';

/** A file the host serves. */
export interface HostedFile {
  /** Its body. */
  body: Uint8Array;
  /** Its `Content-Type`. */
  contentType: string;
}

/** One request the host received. */
export interface RecordedRequest {
  /** Path and query. */
  url: string;
  /** The `Authorization` header, if sent. */
  authorization: string | undefined;
}

/** A Slack-like file host on a loopback port. */
export interface FakeFileHost {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Bytes written for the endless stream before the client hung up. */
  streamed: { bytes: number; closedEarly: boolean };
  /** Serves `file` at `/files-pri/<id>/download/<name>` (redirecting like Slack) and `/direct/<name>`. */
  add(id: string, name: string, file: HostedFile): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>';
const CHUNK = new Uint8Array(64 * 1024).fill(0x61);

/**
 * Serves files only to `Bearer xoxb-good`, as Slack does: `url_private_download` redirects (same origin) to
 * where the file is, a token without the scope gets the sign-in page, an unknown token 403, a deleted file
 * 404. Extra routes: `/stream` (an endless body without Content-Length), `/announced-huge` (a 50 MB
 * Content-Length), `/loop`, `/error`, `/hang`, `/gone`, and `/offsite?to=<url>` (a redirect elsewhere).
 */
export async function startFakeFileHost(): Promise<FakeFileHost> {
  const files = new Map<string, HostedFile>();
  const requests: RecordedRequest[] = [];
  const streamed = { bytes: 0, closedEarly: false };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://host');
    requests.push({ url: request.url ?? '', authorization: request.headers.authorization });
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    if (url.pathname === '/stream') return void streamForever(response, streamed);
    if (url.pathname === '/announced-huge') {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(50 * 1024 * 1024) });
      return void response.write(CHUNK);
    }
    if (url.pathname === '/loop') return void response.writeHead(302, { location: '/loop' }).end();
    if (url.pathname === '/error') return void response.writeHead(500).end('oops');
    if (url.pathname === '/hang') return;
    if (url.pathname === '/gone') return void response.writeHead(410).end();
    if (url.pathname === '/offsite')
      return void response.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    const download = /^\/files-pri\/([^/]+)\/download\/(.+)$/.exec(url.pathname);
    if (download) {
      if (token === NO_SCOPE_TOKEN)
        return void response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LOGIN_PAGE);
      if (token !== GOOD_TOKEN) return void response.writeHead(403).end();
      if (!files.has(`${download[1]}/${download[2]}`))
        return void response.writeHead(404).end('file_not_found');
      // Slack sends the download on to another path (and, in production, host) with the file.
      return void response
        .writeHead(302, { location: `/files-origin/${download[1]}/${download[2]}?origin=1` })
        .end();
    }
    const origin = /^\/files-origin\/([^/]+)\/(.+)$/.exec(url.pathname);
    const file = origin ? files.get(`${origin[1]}/${origin[2]}`) : undefined;
    if (!file) return void response.writeHead(404).end();
    if (token !== GOOD_TOKEN) return void response.writeHead(403).end();
    response.writeHead(200, {
      'content-type': file.contentType,
      'content-length': String(file.body.byteLength),
    });
    response.end(file.body);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    streamed,
    add: (id, name, file) => void files.set(`${id}/${name}`, file),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function streamForever(response: ServerResponse, streamed: { bytes: number; closedEarly: boolean }): void {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.on('close', () => {
    if (!response.writableEnded) streamed.closedEarly = true;
  });
  const pump = (): void => {
    // Bounded: 200 MB at most, so a client that never stops reading still ends the test.
    while (!response.destroyed && streamed.bytes < 200 * 1024 * 1024) {
      streamed.bytes += CHUNK.byteLength;
      if (!response.write(CHUNK)) return void response.once('drain', pump);
    }
    if (!response.destroyed) response.end();
  };
  pump();
}
