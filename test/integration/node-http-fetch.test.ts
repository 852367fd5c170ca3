import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNodeHttpFetch } from '../../src/http/node-http-fetch.ts';

/** What the test server saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const servers: Array<http.Server | net.Server> = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server instanceof http.Server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** An HTTP server on 127.0.0.1 that records requests and answers them with `handle`. */
async function serve(handle: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(request);
      handle(req, res, request);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, connections: () => connections };
}

describe('createNodeHttpFetch', () => {
  it('sends method, headers and body as given and resolves with status, headers and body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-many': ['a', 'b'] });
      res.end('{"ok":true}');
    });
    const fetch = createNodeHttpFetch();
    const response = await fetch(`${server.url}/api/chat.postMessage?x=1`, {
      method: 'post',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer xoxb-1' },
      body: '{"text":"héllo"}',
    });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-many')).toBe('a, b');
    expect(await response.json()).toEqual({ ok: true });
    const [request] = server.seen;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/api/chat.postMessage?x=1',
      body: '{"text":"héllo"}',
    });
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer xoxb-1',
      'content-length': String(Buffer.byteLength('{"text":"héllo"}')),
      accept: '*/*',
    });
  });

  it('takes headers as a Headers object or pairs, and gives form parameters and text their content types', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const fetch = createNodeHttpFetch();
    await fetch(server.url, {
      method: 'POST',
      headers: new Headers({ 'X-One': '1' }),
      body: new URLSearchParams({ channel: 'C1', text: 'a b' }),
    });
    await fetch(server.url, { method: 'POST', headers: [['X-Two', '2']], body: 'plain' });
    await fetch(server.url, { method: 'PUT', body: new Uint8Array([104, 105]) });
    expect(server.seen[0]).toMatchObject({ body: 'channel=C1&text=a+b' });
    expect(server.seen[0]?.headers).toMatchObject({
      'x-one': '1',
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
    });
    expect(server.seen[1]?.headers).toMatchObject({
      'x-two': '2',
      'content-type': 'text/plain;charset=UTF-8',
    });
    expect(server.seen[2]).toMatchObject({ method: 'PUT', body: 'hi' });
    expect(server.seen[2]?.headers['content-type']).toBeUndefined();
  });

  it('keeps the connection alive between requests', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const fetch = createNodeHttpFetch();
    for (let index = 0; index < 3; index++) expect(await (await fetch(server.url)).text()).toBe('ok');
    expect(server.connections()).toBe(1);
  });

  it('hands the body over as it arrives, before the server has finished it', async () => {
    let sendRest: () => void = () => {};
    const rest = new Promise<void>((resolve) => {
      sendRest = resolve;
    });
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      void rest.then(() => res.end('data: second\n\n'));
    });
    const response = await createNodeHttpFetch()(server.url);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    // The server holds the rest back until the first event has been read here.
    expect(decoder.decode(first.value)).toBe('data: first\n\n');
    sendRest();
    let tail = '';
    for (let part = await reader.read(); !part.done; part = await reader.read())
      tail += decoder.decode(part.value);
    expect(tail).toBe('data: second\n\n');
  });

  it('decodes gzip and br bodies', async () => {
    const server = await serve((req, res) => {
      const gzip = req.url === '/gzip';
      res.writeHead(200, { 'content-encoding': gzip ? 'gzip' : 'br' });
      res.end(gzip ? gzipSync('zipped text') : brotliCompressSync('brotli text'));
    });
    const fetch = createNodeHttpFetch();
    expect(await (await fetch(`${server.url}/gzip`)).text()).toBe('zipped text');
    expect(await (await fetch(`${server.url}/br`)).text()).toBe('brotli text');
    expect(server.seen[0]?.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('resolves a 204 and a HEAD with no body', async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.method === 'HEAD' ? 200 : 204, {
        'content-length': req.method === 'HEAD' ? '5' : '0',
      });
      res.end();
    });
    const fetch = createNodeHttpFetch();
    const empty = await fetch(server.url, { method: 'DELETE' });
    const head = await fetch(server.url, { method: 'HEAD' });
    expect([empty.status, empty.body, head.status, head.body]).toEqual([204, null, 200, null]);
  });

  it('rejects a refused connection with "fetch failed" and the cause, as the platform fetch does', async () => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const failure = await createNodeHttpFetch()(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe('fetch failed');
    expect(((failure as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('aborts a request waiting for its response with the signal reason, closing the connection', async () => {
    let closed = false;
    const server = await serve((req) => {
      req.socket.on('close', () => {
        closed = true;
      });
    });
    const fetch = createNodeHttpFetch();
    const controller = new AbortController();
    const pending = fetch(server.url, { method: 'POST', body: 'wait', signal: controller.signal });
    await vi.waitFor(() => expect(server.seen).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await vi.waitFor(() => expect(closed).toBe(true));
    const reason = new Error('stopped by the user');
    const again = new AbortController();
    const second = fetch(server.url, { signal: again.signal });
    await vi.waitFor(() => expect(server.seen).toHaveLength(2));
    again.abort(reason);
    await expect(second).rejects.toBe(reason);
  });

  it('sends nothing for a signal aborted already', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const reason = new Error('too late');
    await expect(createNodeHttpFetch()(server.url, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(server.connections()).toBe(0);
  });

  it('fails the body being read when the signal fires mid-stream', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
    });
    const controller = new AbortController();
    const response = await createNodeHttpFetch()(server.url, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });

  it('fails a body the server cuts off as terminated', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const response = await createNodeHttpFetch()(server.url);
    await expect(response.text()).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
  });

  it('fails a request that receives nothing for the idle timeout', async () => {
    const server = await serve(() => {});
    const failure = await createNodeHttpFetch({ idleTimeoutMs: 100 })(server.url).catch(
      (error: unknown) => error,
    );
    expect((failure as TypeError).message).toBe('fetch failed');
    expect(((failure as TypeError).cause as NodeJS.ErrnoException).code).toBe('ETIMEDOUT');
  });

  it('sends an idempotent request again on a new connection when the kept-alive one was reset, a POST not', async () => {
    // A raw server: each connection answers its first request and resets on the next one.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      let requests = 0;
      socket.on('data', () => {
        requests += 1;
        if (requests === 2) socket.resetAndDestroy();
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      });
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const fetch = createNodeHttpFetch();
    expect(await (await fetch(url)).text()).toBe('ok');
    expect(await (await fetch(url, { method: 'PUT', body: 'x' })).text()).toBe('ok');
    expect(sockets).toHaveLength(2);
    const failure = await fetch(url, { method: 'POST', body: 'y' }).catch((error: unknown) => error);
    expect((failure as TypeError).message).toBe('fetch failed');
    expect(((failure as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(sockets).toHaveLength(2);
    for (const socket of sockets) socket.destroy();
  });

  it('leaves redirects, Request objects and bodies it does not send itself to the fallback', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
      else res.end(`at ${req.url}`);
    });
    const fallback = vi.fn(globalThis.fetch);
    const fetch = createNodeHttpFetch({ fallback });
    expect(await (await fetch(`${server.url}/old`)).text()).toBe('at /new');
    await expect(fetch(`${server.url}/old`, { redirect: 'error' })).rejects.toThrow(TypeError);
    const manual = await fetch(`${server.url}/old`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(fallback).toHaveBeenCalledTimes(2);
    const form = new FormData();
    form.set('file', new Blob(['bytes']), 'a.txt');
    await fetch(`${server.url}/upload`, { method: 'POST', body: form });
    await fetch(new Request(`${server.url}/request`));
    expect(fallback).toHaveBeenCalledTimes(4);
    expect(server.seen.find((seen) => seen.url === '/upload')?.headers['content-type']).toMatch(
      /^multipart\/form-data; boundary=/,
    );
  });
});
