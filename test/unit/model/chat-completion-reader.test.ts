import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import type { ModelError } from '../../../src/app/errors.ts';
import { answerText, createChatCompletionReader } from '../../../src/model/chat-completion-reader.ts';

const origin = {
  endpoint: 'models.example',
  endpointUrl: 'https://models.example/v1',
  model: 'magistral-medium',
};

/** A chunk as providers send it; the SDK types `delta.content` as a string, the wire does not always agree. */
function chunk(
  delta: Record<string, unknown>,
  finishReason: string | null = null,
  extra = {},
): ChatCompletionChunk {
  return {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'magistral-medium-2507',
    choices: [{ index: 0, delta, finish_reason: finishReason, ...extra }],
  } as unknown as ChatCompletionChunk;
}

function read(chunks: ChatCompletionChunk[]) {
  const reader = createChatCompletionReader(origin);
  const emitted: string[] = [];
  for (const each of chunks) reader.read(each, (delta) => emitted.push(delta));
  return { reply: () => reader.finish((delta) => emitted.push(delta)), emitted };
}

describe('answerText', () => {
  it('takes a string as it is', () => {
    expect(answerText('Hello')).toBe('Hello');
  });

  it('takes only the text parts of an array, never the reasoning nested in a thinking part', () => {
    const parts = [
      { type: 'thinking', thinking: [{ type: 'text', text: 'The user wants 2+2.' }] },
      { type: 'text', text: '2 + 2' },
      { type: 'reference', reference_ids: [1] },
      { type: 'text', text: ' = 4' },
    ];
    expect(answerText(parts)).toBe('2 + 2 = 4');
  });

  it('finds no answer in null, objects or malformed parts', () => {
    expect(answerText(null)).toBe('');
    expect(answerText(undefined)).toBe('');
    expect(answerText({ type: 'text', text: 'not an array' })).toBe('');
    expect(answerText([null, 'loose', { type: 'text', text: 42 }])).toBe('');
  });
});

describe('createChatCompletionReader', () => {
  it('streams the text parts of Magistral content and nothing of its thinking', () => {
    const { reply, emitted } = read([
      chunk({
        role: 'assistant',
        content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Basic arithmetic.' }] }],
      }),
      chunk({ content: [{ type: 'text', text: '2 + 2 = 4' }] }),
      chunk({ content: '' }, 'stop'),
    ]);
    expect(emitted).toEqual(['2 + 2 = 4']);
    expect(reply()).toMatchObject({
      text: '2 + 2 = 4',
      finishReason: 'stop',
      model: 'magistral-medium-2507',
    });
  });

  it("never takes DeepSeek's reasoning_content or Groq's reasoning for the answer", () => {
    const { reply, emitted } = read([
      chunk({ content: null, reasoning_content: 'We need to count' }),
      chunk({ reasoning: 'Okay, let me' }),
      chunk({ content: 'Three.' }, 'stop'),
    ]);
    expect(emitted).toEqual(['Three.']);
    expect(reply().text).toBe('Three.');
  });

  it('reports a reply spent entirely on reasoning as an empty one, not as the reasoning', () => {
    const { reply, emitted } = read([chunk({ reasoning_content: 'Let me think at length' }, 'length')]);
    expect(emitted).toEqual([]);
    expect(() => reply()).toThrow(/whole reply budget/);
  });

  it("names what Azure's filter flagged when it stopped the reply", () => {
    const flagged = {
      content_filter_results: {
        protected_material_text: { detected: true, filtered: true },
        hate: { filtered: false },
      },
    };
    const { reply } = read([chunk({ content: 'Hey Jude,' }), chunk({}, 'content_filter', flagged)]);
    let thrown: ModelError | undefined;
    try {
      reply();
    } catch (error) {
      thrown = error as ModelError;
    }
    expect(thrown).toMatchObject({
      kind: 'content_filter',
      isRetryable: false,
      serverMessage: 'filtered: protected_material_text',
      endpoint: 'https://models.example/v1',
      model: 'magistral-medium',
    });
  });
});
