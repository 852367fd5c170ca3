import { afterEach, describe, expect, it, vi } from 'vitest';
import { createModelFetch, normalizeErrorBody, retryAfterSeconds } from '../../../src/model/model-fetch.ts';

// What the SDK gets to see of an error response: it reads `error` from the body and decides on retries from the
// status and `x-should-retry` before it reads the body at all.

function answer(response: Response) {
  const send = vi.fn(async () => response) as unknown as typeof fetch;
  return createModelFetch(60, send)('http://127.0.0.1/v1/chat/completions', { method: 'POST' });
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createModelFetch', () => {
  it('passes a successful response through untouched', async () => {
    const ok = new Response('data: [DONE]\n\n', { status: 200 });
    expect(await answer(ok)).toBe(ok);
  });

  it('tells the SDK not to retry a 429 that is a billing quota', async () => {
    const quota = json(429, {
      error: { message: 'You exceeded your current quota', code: 'insufficient_quota' },
    });
    const response = await answer(quota);
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(await response.json()).toEqual({
      error: { message: 'You exceeded your current quota', code: 'insufficient_quota' },
    });
  });

  it('lets the SDK retry an ordinary rate limit within the cap', async () => {
    const limited = json(
      429,
      { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } },
      { 'retry-after': '2' },
    );
    const response = await answer(limited);
    expect(response.headers.get('x-should-retry')).toBeNull();
    expect(response.headers.get('retry-after')).toBe('2');
  });

  it('stops the SDK sleeping through a retry-after past the cap', async () => {
    const response = await answer(json(503, { error: { message: 'busy' } }, { 'retry-after': '120' }));
    expect(response.headers.get('x-should-retry')).toBe('false');
  });

  it("puts vLLM's bare error object where the SDK reads it", async () => {
    const bare = {
      object: 'error',
      message: 'The model `x` does not exist.',
      type: 'NotFoundError',
      param: null,
      code: 404,
    };
    const response = await answer(json(404, bare));
    expect(await response.json()).toEqual({ error: bare });
    expect(response.headers.get('content-length')).toBeNull();
  });
});

describe('normalizeErrorBody', () => {
  it.each([
    ['a string error', '{"error":"model \'x\' not found"}', { error: { message: "model 'x' not found" } }],
    ['a FastAPI detail', '{"detail":"Not Found"}', { error: { message: 'Not Found' } }],
  ])('wraps %s', (_name, body, expected) => {
    expect(JSON.parse(normalizeErrorBody(body))).toEqual(expected);
  });

  it.each([
    ['a wrapped error', '{"error":{"message":"x"}}'],
    ['plain text', '404 page not found'],
    ['an array', '[1,2]'],
    ['an object without a message', '{"status":"bad"}'],
  ])('leaves %s as it is', (_name, body) => {
    expect(normalizeErrorBody(body)).toBe(body);
  });
});

describe('retryAfterSeconds', () => {
  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    expect(retryAfterSeconds(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1.5);
    expect(retryAfterSeconds(new Headers({ 'retry-after': '2' }))).toBe(2);
    const date = new Date(Date.now() + 30_000).toUTCString();
    expect(retryAfterSeconds(new Headers({ 'retry-after': date }))).toBeGreaterThan(25);
    expect(retryAfterSeconds(new Headers())).toBeUndefined();
  });
});
