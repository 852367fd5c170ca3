import { createNodeHttpFetch } from './node-http-fetch.ts';

/** Which `fetch` the model and Slack clients send through (`HTTP_CLIENT`). */
export type HttpClientName = 'node' | 'fetch';

let nodeHttpFetch: typeof fetch | undefined;
let chosen: HttpClientName = 'node';

/**
 * The process's HTTP client for the openai SDK and Slack's Web API client: `node:http` with keep-alive agents
 * (node-http-fetch.ts) unless `HTTP_CLIENT=fetch` chose the platform's fetch. One for the whole process, so
 * its kept-alive sockets are shared by every client that sends to the same host.
 */
export function httpFetch(): typeof fetch {
  if (chosen === 'fetch') return globalThis.fetch;
  nodeHttpFetch ??= createNodeHttpFetch();
  return nodeHttpFetch;
}

/** Chooses the client `httpFetch` hands out from now on; the composition root calls it once, from the config. */
export function useHttpClient(name: HttpClientName): void {
  chosen = name;
}
