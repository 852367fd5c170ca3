import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayChatClient, runReplay } from '../fakes/provider-replay-run.ts';
import {
  loadProviderFixtures,
  type ProviderReplay,
  startProviderReplay,
} from '../fakes/provider-replay-server.ts';

// Every recorded provider stream that succeeds (shared/fixtures/provider-replay), served byte for byte over HTTP
// to the real chat-completions client (the openai SDK underneath), and what the user gets from it: the answer,
// never the reasoning, and the usage. The failures are in provider-replay-errors.test.ts.

const fixtures = await loadProviderFixtures();
const byId = new Map(fixtures.map((fixture) => [fixture.id, fixture]));
const hello = [{ role: 'user' as const, content: 'Alice: hello' }];

interface Answer {
  /** Exact text, or its length with its first and last characters (checked against an independent parse). */
  text: string | { length: number; start: string; end: string };
  /** Usage as reported, or `estimated` when the stream carried none. */
  usage: { promptTokens: number; completionTokens: number } | 'estimated';
  finishReason?: string;
  /** The model the stream named. */
  model: string;
  /** Reasoning the stream carried, which must not be in the answer. */
  notInAnswer?: string;
}

const ANSWERS: Record<string, Answer> = {
  'openai-gpt41-usage-chunk': {
    text: { length: 1217, start: 'The question "How many angels', end: 'n is used in modern discourse?' },
    usage: { promptTokens: 19, completionTokens: 238 },
    model: 'gpt-4.1-2025-04-14',
  },
  'openai-gpt41nano-obfuscation': {
    text: { length: 1724, start: '**Holiday Name:** Harmony Day', end: 'experiences and mutual respect.' },
    usage: { promptTokens: 16, completionTokens: 300 },
    model: 'gpt-4.1-nano-2025-04-14',
  },
  'azure-model-router-filter-results': {
    text: 'Capital of Denmark.',
    usage: { promptTokens: 15, completionTokens: 78 },
    model: 'gpt-5-nano-2025-08-07',
  },
  'deepseek-reasoner-reasoning-content': {
    text: 'The word "strawberry" contains three "r"s.',
    usage: { promptTokens: 18, completionTokens: 219 },
    model: 'deepseek-reasoner',
    notInAnswer: 'We need to count',
  },
  'deepseek-chat-finish-length': {
    text: { length: 1855, start: '## **Holiday Name:** Starlight', end: '5 minutes of silent looking at' },
    usage: { promptTokens: 13, completionTokens: 400 },
    finishReason: 'length',
    model: 'deepseek-chat',
  },
  'groq-llama33-x-groq-usage': {
    text: { length: 3189, start: 'Introducing "Luminaria"', end: 'appreciation for the magic of light.' },
    usage: { promptTokens: 45, completionTokens: 662 },
    model: 'llama-3.3-70b-versatile',
  },
  'groq-qwen3-delta-reasoning': {
    text: {
      length: 347,
      start: 'The word **"strawberry"** is spelled',
      end: '**Final Answer**: $\\boxed{3}$',
    },
    usage: { promptTokens: 17, completionTokens: 1107 },
    model: 'qwen/qwen3-32b',
    notInAnswer: 'Okay, let me try',
  },
  'mistral-small-usage-last-chunk': {
    text: 'Hello, world! This is a test response.',
    usage: { promptTokens: 13, completionTokens: 8 },
    model: 'mistral-small-latest',
  },
  'mistral-magistral-content-parts': {
    text: '2 + 2 = 4',
    usage: { promptTokens: 10, completionTokens: 46 },
    model: 'magistral-medium-2507',
    notInAnswer: 'The user is asking',
  },
  'xai-grok3mini-reasoning-content': {
    text: 'Hello',
    usage: { promptTokens: 12, completionTokens: 1 },
    model: 'grok-3-mini',
    notInAnswer: 'First, the user said',
  },
  'perplexity-sonar-usage-every-chunk': {
    text: '**EcoVista Day**[1][5]',
    // Every chunk carries usage; the last one counts.
    usage: { promptTokens: 11, completionTokens: 434 },
    model: 'sonar',
  },
  'alibaba-qwen3max-usage-chunk': {
    text: { length: 3771, start: '## The Festival of Shared Stories', end: 'We are woven together."*' },
    usage: { promptTokens: 18, completionTokens: 779 },
    model: 'qwen3-max',
  },
  'ollama-qwen25coder-no-usage': {
    text: {
      length: 176,
      start: 'Higress 是一个基于 Istio 的高性能服务网格',
      end: '满足高并发场景下的需求。',
    },
    usage: 'estimated',
    model: 'qwen2.5-coder:32b',
  },
};

describe('every provider stream that succeeds, through the chat-completions client', () => {
  let replay: ProviderReplay;
  // Odd-sized writes, so SSE lines and multi-byte characters arrive split across reads.
  beforeAll(async () => {
    replay = await startProviderReplay({ chunkBytes: 509 });
  });
  afterAll(async () => {
    await replay.close();
  });

  it('has an expected answer for every successful stream in the manifest', () => {
    const streams = fixtures.filter((fixture) => fixture.kind === 'stream').map((fixture) => fixture.id);
    expect(Object.keys(ANSWERS).sort()).toEqual(streams.sort());
  });

  it.each(Object.keys(ANSWERS))('%s: the user gets the answer and its usage', async (id) => {
    const fixture = byId.get(id)!;
    const expected = ANSWERS[id]!;
    const { outcome, deltas, texts } = await runReplay(replay, fixture);
    if (!('result' in outcome)) throw outcome.error;
    const { result } = outcome;

    if (typeof expected.text === 'string') expect(result.text).toBe(expected.text);
    else {
      expect(result.text).toHaveLength(expected.text.length);
      expect(result.text.startsWith(expected.text.start)).toBe(true);
      expect(result.text.endsWith(expected.text.end)).toBe(true);
    }
    expect(result.text).not.toContain('[object Object]');
    if (expected.notInAnswer) expect(deltas.join('')).not.toContain(expected.notInAnswer);
    // What streamed is the answer, and each call's second argument is the whole text so far.
    expect(deltas.join('')).toBe(result.text);
    expect(texts.at(-1)).toBe(result.text);
    expect(result.finishReason).toBe(expected.finishReason ?? 'stop');
    expect(result.model).toBe(expected.model);
    if (expected.usage === 'estimated') {
      expect(result.usage.completionTokens).toBe(Math.ceil(result.text.length / 4));
    } else {
      expect(result.usage).toMatchObject(expected.usage);
    }
    expect(replay.requests).toHaveLength(1);
  });

  it('lets a retry replace the partial reply of a stream that failed mid-reply', async () => {
    // What a caller shows is onDelta's second argument, so the second attempt starts over, not after 'The question "'.
    let shown = '';
    const onDelta = (_delta: string, text?: string) => {
      shown = text ?? '';
    };
    replay.serve(byId.get('openai-midstream-server-error')!);
    const model = replayChatClient(replay, byId.get('openai-gpt41-usage-chunk')!);
    const failed = await model.complete({ messages: hello, onDelta }).catch((error: unknown) => error);
    expect(failed).toMatchObject({ kind: 'unavailable', isRetryable: true });
    expect(shown).toBe('The question "');

    replay.serve(byId.get('openai-gpt41-usage-chunk')!);
    const result = await model.complete({ messages: hello, onDelta });
    expect(shown).toBe(result.text);
    expect(shown.startsWith('The question "How many angels')).toBe(true);
  });
});
