import { describe, expect, it } from 'vitest';
import type { ModelErrorKind } from '../../../src/app/errors.ts';
import {
  classifyEndpointFailure,
  type EndpointFailure,
  isTransientFailure,
} from '../../../src/model/classify-model-error.ts';

// Wordings beyond the recorded fixtures (those are replayed in test/integration/provider-replay*.test.ts): other
// providers' documented bodies, and the edges where one cause's words look like another's.

const cases: Array<[string, EndpointFailure, ModelErrorKind]> = [
  [
    'OpenAI 404 model_not_found',
    {
      status: 404,
      code: 'model_not_found',
      message: 'The model `gpt-9` does not exist or you do not have access to it.',
    },
    'model_not_found',
  ],
  ['a bare 404 with no word about a model', { status: 404, message: '404 page not found' }, 'bad_request'],
  [
    'a 404 about a stored response',
    { status: 404, code: 'not_found', message: "Response with id 'resp_9' not found." },
    'bad_request',
  ],
  ['DeepSeek 402 Insufficient Balance', { status: 402, message: 'Insufficient Balance' }, 'quota'],
  [
    'OpenRouter 402 credits',
    { status: 402, code: 402, message: 'This request requires more credits' },
    'quota',
  ],
  [
    'Groq 413 request too large',
    { status: 413, type: 'tokens', message: 'Request too large for model `llama3-8b-8192`' },
    'context_length',
  ],
  [
    'a 429 whose message talks about tokens is still a rate limit',
    { status: 429, message: 'Rate limit reached on tokens per minute: Limit 6000, Requested 7000' },
    'rate_limit',
  ],
  [
    'an in-stream error with an HTTP status as its code',
    { status: undefined, code: 429, message: 'Slow down' },
    'rate_limit',
  ],
  ['an in-stream 401 (as a string)', { status: undefined, code: '401', message: 'Unauthorized' }, 'auth'],
  ['an in-stream server error', { status: undefined, code: 'server_error', message: 'oops' }, 'unavailable'],
  [
    'an in-stream invalid request',
    { status: undefined, type: 'invalid_request_error', message: 'bad tool schema' },
    'bad_request',
  ],
  [
    'Azure 400 content filter',
    { status: 400, code: 'content_filter', message: 'The response was filtered' },
    'content_filter',
  ],
  [
    'a 403 region block',
    { status: 403, code: 'unsupported_country_region_territory', message: 'no' },
    'auth',
  ],
  [
    'a 500 naming a model is an outage, not a missing model',
    { status: 500, message: 'model runner for llama3 has unexpectedly stopped' },
    'unavailable',
  ],
  ['408', { status: 408, message: 'Request timed out' }, 'timeout'],
  ['409', { status: 409, message: 'conflict' }, 'unavailable'],
  ['422', { status: 422, message: 'Unprocessable' }, 'bad_request'],
  ['503', { status: 503, message: 'Service Unavailable' }, 'unavailable'],
  [
    'Anthropic-compatible prompt too long',
    {
      status: 400,
      type: 'invalid_request_error',
      message: 'prompt is too long: 210000 tokens > 200000 maximum',
    },
    'context_length',
  ],
];

describe('classifyEndpointFailure', () => {
  it.each(cases)('%s', (_name, failure, kind) => {
    expect(classifyEndpointFailure(failure)).toBe(kind);
  });
});

describe('isTransientFailure', () => {
  it('retries rate limits, outages and timeouts only', () => {
    expect(isTransientFailure('rate_limit', 429)).toBe(true);
    expect(isTransientFailure('unavailable', 502)).toBe(true);
    expect(isTransientFailure('timeout', 408)).toBe(true);
    expect(isTransientFailure('unavailable', undefined)).toBe(true);
    for (const kind of [
      'quota',
      'auth',
      'model_not_found',
      'context_length',
      'content_filter',
      'bad_request',
    ] as const) {
      expect(isTransientFailure(kind, 429)).toBe(false);
    }
  });

  it('does not retry a rate-limit code on a status that blames the request', () => {
    expect(isTransientFailure('rate_limit', 400)).toBe(false);
  });
});
