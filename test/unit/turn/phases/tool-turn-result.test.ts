import { describe, expect, it } from 'vitest';
import type { ModelCall } from '../../../../src/turn/phases/call-model.ts';
import { pendingMessages } from '../../../../src/turn/phases/load-turn.ts';
import { toTurnResult } from '../../../../src/turn/phases/turn-result.ts';
import { makeDependencies, makeTurn } from '../turn-fixtures.ts';

const call: ModelCall = {
  outcome: {
    text: 'It is sunny in Oslo.',
    usage: { promptTokens: 90, completionTokens: 12 },
    costUsd: null,
    model: 'm',
    finishReason: 'stop',
    sources: [{ url: 'https://weather.example/oslo', title: 'Oslo weather' }, { url: 'https://b.example/' }],
  },
  chainLost: false,
  started: 0,
  toolMessages: [
    {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'c1', name: 'geo__find', arguments: '{"q":"Oslo"}' }],
    },
    { role: 'tool', content: '59.9,10.7', toolCallId: 'c1', toolName: 'geo.find' },
  ],
  toolsUsed: ['geo.find'],
};

describe('a turn that used tools', () => {
  it('shows the sources as links and the tools used, and stores the exchange before the answer as written', async () => {
    const deps = makeDependencies({ overrides: { now: () => 7 } });
    const pending = await pendingMessages(deps, makeTurn({}));
    const result = toTurnResult(deps, pending, call);
    expect(result.text).toBe(
      'It is sunny in Oslo.\n\nSources: [Oslo weather](https://weather.example/oslo), [https://b.example/](https://b.example/)\n_Used `geo.find`_',
    );
    expect(result.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', pending.userMessage.content],
      ['assistant', ''],
      ['tool', '59.9,10.7'],
      ['assistant', 'It is sunny in Oslo.'],
    ]);
    expect(result.messages[1]!.toolCalls).toEqual([
      { id: 'c1', name: 'geo__find', arguments: '{"q":"Oslo"}' },
    ]);
    expect(result.messages[1]!.tokens).toBeGreaterThan(deps.counter.messageOverhead('assistant'));
    expect(result.messages[2]).toMatchObject({ toolCallId: 'c1', toolName: 'geo.find', at: 7 });
  });
});
