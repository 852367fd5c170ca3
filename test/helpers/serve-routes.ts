import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute } from '../../src/turn/platform-ingress.ts';

/** An ingress's HTTP routes on a loopback port of their own. */
export interface ServedRoutes {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Serves `routes` on a free loopback port, matched by method and path as the core's HTTP server mounts them
 * (404 for anything else), so an ingress can be tested without the rest of the process.
 */
export async function serveRoutes(routes: HttpRoute[]): Promise<ServedRoutes> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    const route = routes.find((candidate) => candidate.method === request.method && candidate.path === path);
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    void route.handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
