import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute } from '../turn/platform-ingress.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** State of the process as `/healthz` and `/readyz` report it. */
export interface HealthReport {
  /** Whether everything this process needs is reachable. */
  ok: boolean;
  /** Per-dependency details (redis, queue, …). */
  checks: Record<string, unknown>;
}

/** Options of the shared HTTP server. */
export interface HttpServerOptions {
  /** Adapter routes, e.g. Slack's `POST /slack/events`. */
  routes: HttpRoute[];
  /** Computes the health report. */
  health(): Promise<HealthReport>;
  /** Served at `GET /metrics` in Prometheus' text format. */
  metrics?: Metrics;
  /** Logger. */
  logger: Logger;
}

/** A started HTTP server. */
export interface RunningHttpServer {
  /** The port it listens on (useful with port 0). */
  port: number;
  /** Stops accepting connections and closes idle ones. */
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** One HTTP server per process: adapter routes, `/healthz` and `/readyz` (state), `/metrics` (Prometheus). */
export async function startHttpServer(
  options: HttpServerOptions & { port: number; host: string },
): Promise<RunningHttpServer> {
  const routes = new Map(options.routes.map((route) => [`${route.method} ${route.path}`, route]));

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && (path === '/healthz' || path === '/readyz')) {
      const report = await options.health().catch((error: unknown) => ({
        ok: false,
        checks: { error: error instanceof Error ? error.message : String(error) },
      }));
      sendJson(response, report.ok ? 200 : 503, {
        status: report.ok ? 'ok' : 'unavailable',
        ...report.checks,
      });
      return;
    }
    if (request.method === 'GET' && path === '/metrics' && options.metrics) {
      const body = await options.metrics.registry.metrics();
      response.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      response.end(body);
      return;
    }
    const route = routes.get(`${request.method} ${path}`);
    if (!route) {
      sendJson(response, 404, { error: 'not found' });
      return;
    }
    await route.handle(request, response);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.logger.error({ err: error, path: request.url }, 'HTTP handler failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.end();
    });
  });
  // A request that never completes (a client that stalls, a handler that never answers) must not hold a
  // connection, or a shutdown, for Node's default five minutes.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still open after a grace period are cut, so stopping never hangs on one.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}
