import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { createChatCompletionReader } from '../../../src/model/chat-completion-reader.ts';
import { createChatToolCallDeltas } from '../../../src/model/chat-tool-call-deltas.ts';
import { createResponsesStreamReader } from '../../../src/model/responses-stream-reader.ts';

const origin = { endpoint: 'fake', model: 'gpt-4o-mini' };

describe('Chat Completions tool-call deltas', () => {
  it('merges pieces by index, keeps the first id and name, and numbers calls without an id', () => {
    const deltas = createChatToolCallDeltas();
    deltas.add([{ index: 1, function: { name: 'second', arguments: '' } }]);
    deltas.add([
      { index: 0, id: 'call_a', type: 'function', function: { name: 'first', arguments: '{"q":' } },
    ]);
    deltas.add([{ index: 0, id: 'call_a', function: { name: 'first', arguments: '"x"}' } }]);
    deltas.add([{ index: 1, function: { arguments: '{}' } }]);
    deltas.add('junk');
    deltas.add([null, { index: 2, function: { arguments: 'no name' } }]);
    expect(deltas.calls()).toEqual([
      { id: 'call_a', name: 'first', arguments: '{"q":"x"}' },
      { id: 'call_1', name: 'second', arguments: '{}' },
    ]);
  });

  it('lets a stream that only calls tools finish without text', () => {
    const reader = createChatCompletionReader(origin);
    const chunk = (delta: object, finish: string | null = null) =>
      ({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 0,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, delta, finish_reason: finish }],
      }) as never;
    const emitted: string[] = [];
    reader.read(
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'fs__read', arguments: '{"pa' } }] }),
      (d) => emitted.push(d),
    );
    reader.read(chunk({ tool_calls: [{ index: 0, function: { arguments: 'th":"a"}' } }] }), (d) =>
      emitted.push(d),
    );
    reader.read(chunk({}, 'tool_calls'), (d) => emitted.push(d));
    const reply = reader.finish(() => {});
    expect(reply.text).toBe('');
    expect(reply.toolCalls).toEqual([{ id: 'call_1', name: 'fs__read', arguments: '{"path":"a"}' }]);
    expect(emitted).toEqual([]);
  });
});

describe('Responses API function calls and sources', () => {
  const reader = () =>
    createResponsesStreamReader({ ...origin, redact: (text) => text, previousResponseId: undefined });
  const completed = (output: unknown[]): ResponseStreamEvent =>
    ({
      type: 'response.completed',
      sequence_number: 9,
      response: { id: 'resp_1', model: 'gpt-4o-mini', status: 'completed', output } as unknown as Response,
    }) as ResponseStreamEvent;

  it('assembles a function_call item from its argument deltas', () => {
    const stream = reader();
    const item = { type: 'function_call', id: 'fc_1', call_id: 'call_9', name: 'web__fetch', arguments: '' };
    stream.read(
      {
        type: 'response.output_item.added',
        output_index: 0,
        sequence_number: 1,
        item,
      } as ResponseStreamEvent,
      () => {},
    );
    for (const delta of ['{"url":', '"https://a"}']) {
      stream.read(
        {
          type: 'response.function_call_arguments.delta',
          item_id: 'fc_1',
          output_index: 0,
          sequence_number: 2,
          delta,
        } as ResponseStreamEvent,
        () => {},
      );
    }
    stream.read(completed([]), () => {});
    const reply = stream.finish(() => {});
    expect(reply.toolCalls).toEqual([{ id: 'call_9', name: 'web__fetch', arguments: '{"url":"https://a"}' }]);
    expect(reply.responseId).toBe('resp_1');
  });

  it('reads the cited pages of a web-searched answer once each', () => {
    const stream = reader();
    const annotations = [
      { type: 'url_citation', url: 'https://example.com/a', title: 'A', start_index: 0, end_index: 1 },
      { type: 'url_citation', url: 'https://example.com/a', title: 'A', start_index: 2, end_index: 3 },
      { type: 'url_citation', url: 'https://example.com/b', title: '', start_index: 4, end_index: 5 },
    ];
    stream.read(
      completed([
        { type: 'web_search_call', id: 'ws', status: 'completed' },
        {
          type: 'message',
          id: 'm',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'It is sunny.', annotations }],
        },
      ]),
      () => {},
    );
    const reply = stream.finish(() => {});
    expect(reply.text).toBe('It is sunny.');
    expect(reply.sources).toEqual([
      { url: 'https://example.com/a', title: 'A' },
      { url: 'https://example.com/b' },
    ]);
  });
});
