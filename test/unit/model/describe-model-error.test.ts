import { describe, expect, it } from 'vitest';
import {
  ModelError,
  type ModelErrorKind,
  type ModelErrorOptions,
  PreviousResponseLostError,
} from '../../../src/app/errors.ts';
import { describeModelError } from '../../../src/model/describe-model-error.ts';
import { publicEndpointUrl } from '../../../src/model/openai-errors.ts';
import { ResponseChainTooLongError } from '../../../src/model/response-chain-too-long-error.ts';

const ENDPOINT = 'https://api.example.com/v1';

function error(options: Partial<ModelErrorOptions> & Pick<ModelErrorOptions, 'kind'>): ModelError {
  return new ModelError('technical message', {
    isRetryable: false,
    endpoint: ENDPOINT,
    model: 'gpt-4.1',
    ...options,
  });
}

const user = { operator: false };
const operator = { operator: true };

describe('describeModelError for the user', () => {
  it.each([
    [{ kind: 'auth', status: 401 }, 'The model endpoint rejected the API key.'],
    [{ kind: 'auth', status: 403 }, 'The model endpoint refused this API key access to the model.'],
    [{ kind: 'model_not_found', status: 404 }, 'Model gpt-4.1 is not on that server.'],
    [{ kind: 'model_not_found', model: undefined }, 'The configured model is not on that server.'],
    [{ kind: 'context_length', status: 400 }, 'This conversation is longer than the model accepts.'],
    [
      { kind: 'rate_limit', retryAfterSeconds: 20 },
      'The model endpoint is rate-limiting requests and asked to wait 20 s.',
    ],
    [
      { kind: 'rate_limit', retryAfterSeconds: 0.2 },
      'The model endpoint is rate-limiting requests and asked to wait 1 s.',
    ],
    [{ kind: 'rate_limit' }, 'The model endpoint is rate-limiting requests.'],
    [{ kind: 'quota', status: 429 }, 'The account at the model provider is out of credit.'],
    [{ kind: 'content_filter' }, 'The provider filtered this answer.'],
    [{ kind: 'unavailable', status: 502 }, 'The model endpoint is not responding properly right now.'],
    [{ kind: 'timeout' }, 'The model took too long to answer.'],
    [{ kind: 'bad_request', status: 422 }, 'The model endpoint rejected the request (HTTP 422).'],
    [{ kind: 'empty_reply', isRetryable: true }, 'The model returned an empty answer.'],
    [{ kind: 'empty_reply' }, 'The model used its whole reply budget before writing any text.'],
    [{ kind: 'aborted' }, 'The request to the model was cancelled.'],
  ] as const)('%o', (options, sentence) => {
    expect(describeModelError(error(options), user)).toBe(sentence);
  });

  it("tells an Ollama user to pull the model, in Ollama's words", () => {
    const missing = error({
      kind: 'model_not_found',
      model: 'llama3.2',
      serverMessage: 'model "llama3.2" not found, try pulling it first',
    });
    expect(describeModelError(missing, user)).toBe(
      'Model llama3.2 is not on that server; pull it first (ollama pull llama3.2).',
    );
  });

  it('keeps the server message and endpoint from end users', () => {
    const rejected = error({
      kind: 'auth',
      status: 401,
      serverMessage: 'Incorrect API key provided: [redacted]',
    });
    const sentence = describeModelError(rejected, user);
    expect(sentence).not.toContain('Incorrect');
    expect(sentence).not.toContain(ENDPOINT);
  });

  it('says a lost response chain is lost, not what its status suggests', () => {
    expect(describeModelError(new PreviousResponseLostError('resp_1', { status: 404 }), user)).toBe(
      'The model server no longer has the earlier part of this conversation.',
    );
  });

  it('has a sentence for anything else', () => {
    expect(describeModelError(new Error('boom'), user)).toBe('Something went wrong while calling the model.');
  });
});

describe('describeModelError for the operator', () => {
  it("appends the server's own message and the endpoint URL", () => {
    const tooLong = error({
      kind: 'context_length',
      status: 400,
      serverMessage: 'the request exceeds the available context size',
    });
    expect(describeModelError(tooLong, operator)).toBe(
      `This conversation is longer than the model accepts. The server said: "the request exceeds the available context size" Endpoint: ${ENDPOINT}`,
    );
  });

  it('falls back to the error message when the server said nothing', () => {
    const stalled = new ModelError('The model stream from x stalled for 200 ms', {
      isRetryable: true,
      kind: 'timeout',
    });
    expect(describeModelError(stalled, operator)).toBe(
      'The model took too long to answer. Detail: The model stream from x stalled for 200 ms',
    );
  });

  it("reads a too-long chain's details from the endpoint's error it wraps", () => {
    const cause = error({
      kind: 'context_length',
      status: 400,
      serverMessage: 'maximum context length is 8192',
    });
    const chain = new ResponseChainTooLongError('resp_7', cause);
    expect(chain).toBeInstanceOf(PreviousResponseLostError);
    expect(chain.kind).toBe('context_length');
    expect(describeModelError(chain, operator)).toBe(
      `This conversation is longer than the model accepts. The server said: "maximum context length is 8192" Endpoint: ${ENDPOINT}`,
    );
  });
});

describe('publicEndpointUrl', () => {
  it('drops credentials, query and fragment, where keys may hide', () => {
    expect(publicEndpointUrl('https://user:hunter2@proxy.example/v1/?api-key=abc#x')).toBe(
      'https://proxy.example/v1',
    );
    expect(publicEndpointUrl('http://127.0.0.1:11434/v1')).toBe('http://127.0.0.1:11434/v1');
  });
});

describe('ModelError built without a kind (by code that does not classify)', () => {
  it.each<[ModelErrorOptions, ModelErrorKind]>([
    [{ isRetryable: false, status: 401 }, 'auth'],
    [{ isRetryable: true, status: 429 }, 'rate_limit'],
    [{ isRetryable: true, status: 503 }, 'unavailable'],
    [{ isRetryable: true }, 'unavailable'],
    [{ isRetryable: false, status: 404 }, 'bad_request'],
    [{ isRetryable: false, status: 400 }, 'bad_request'],
  ])('%o is %s', (options, kind) => {
    const built = new ModelError('x', options);
    expect(built.kind).toBe(kind);
    expect(built).toMatchObject({
      isRetryable: options.isRetryable,
      status: options.status,
      serverMessage: undefined,
    });
  });
});
