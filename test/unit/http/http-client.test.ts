import { afterEach, describe, expect, it } from 'vitest';
import { slackClientOptions } from '../../../adapters/slack/slack-client-options.ts';
import { httpFetch, useHttpClient } from '../../../src/http/http-client.ts';

afterEach(() => useHttpClient('node'));

describe('httpFetch', () => {
  it('is one node:http client for the whole process unless HTTP_CLIENT=fetch chose the platform fetch', () => {
    const node = httpFetch();
    expect(node).not.toBe(globalThis.fetch);
    expect(httpFetch()).toBe(node);
    useHttpClient('fetch');
    expect(httpFetch()).toBe(globalThis.fetch);
    expect(slackClientOptions({ botToken: 'xoxb-1' } as never, { logger: undefined }).fetch).toBe(
      globalThis.fetch,
    );
    useHttpClient('node');
    expect(slackClientOptions({ botToken: 'xoxb-1' } as never, { logger: undefined }).fetch).toBe(node);
  });
});
