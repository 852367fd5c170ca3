import { Agent, request as httpRequest } from 'node:http';
import { createOpenAIModelClient } from '../../src/model/openai-model-client.ts';
import { ownCpuMs } from '../lib/process-cpu.ts';

/** CPU per streamed completion request of each way of calling the same endpoint, ms. */
export interface HttpClientCost {
  /** The product's `createOpenAIModelClient` (openai SDK on the global fetch). */
  sdk: number;
  /** Global `fetch`, reading the SSE body as text. */
  fetch: number;
  /** `node:http` with a keep-alive agent, reading the body as text. */
  nodeHttp: number;
}

const MESSAGES = [
  { role: 'system' as const, content: 'You are Parley, a helpful assistant in a team chat.' },
  {
    role: 'user' as const,
    content: 'User 1: can you check why the queue keeps growing when workers restart',
  },
];

async function cpuPerCall(requests: number, parallel: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await call(); // warm-up
  const before = ownCpuMs();
  for (let from = 0; from < requests; from += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, requests - from) }, call));
  }
  return (ownCpuMs() - before) / requests;
}

/**
 * The model call's client-side CPU in isolation, against the zero-latency fake: where the difference
 * between the SDK path and the stub in the throughput scenario goes.
 */
export async function measureHttpClientCost(options: {
  modelUrl: string;
  requests: number;
  parallel: number;
}): Promise<HttpClientCost> {
  const client = createOpenAIModelClient({
    baseUrl: options.modelUrl,
    model: 'gpt-4o-mini',
    maxReplyTokens: 1000,
    timeoutMs: 60_000,
    maxRetries: 2,
  });
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: MESSAGES,
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 1000,
  });
  const url = new URL(`${options.modelUrl}/chat/completions`);
  const sdk = await cpuPerCall(options.requests, options.parallel, () =>
    client.complete({ messages: MESSAGES, onDelta: () => {} }),
  );
  const viaFetch = await cpuPerCall(options.requests, options.parallel, async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body,
    });
    await response.text();
  });
  const agent = new Agent({ keepAlive: true, maxSockets: options.parallel });
  const nodeHttp = await cpuPerCall(
    options.requests,
    options.parallel,
    () =>
      new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          url,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
          },
          (res) => {
            res.setEncoding('utf8');
            let text = '';
            res.on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => (text.includes('[DONE]') ? resolve() : reject(new Error('no [DONE]'))));
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
  );
  agent.destroy();
  return { sdk, fetch: viaFetch, nodeHttp };
}
