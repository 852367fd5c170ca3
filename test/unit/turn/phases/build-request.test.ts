import { describe, expect, it } from 'vitest';
import { SUMMARY_PREFIX } from '../../../../src/prompt/assemble-prompt.ts';
import { toStoredMessage } from '../../../../src/prompt/render-message.ts';
import { buildFullRequest, buildRequest } from '../../../../src/turn/phases/build-request.ts';
import { type LoadedTurn, loadTurn, pendingMessages } from '../../../../src/turn/phases/load-turn.ts';
import {
  counter,
  makeDependencies,
  makeTurn,
  SYSTEM_PROMPT,
  type TestDependencies,
} from '../turn-fixtures.ts';

async function loaded(deps: TestDependencies, turn = makeTurn()): Promise<LoadedTurn> {
  const result = await loadTurn(deps, turn, await pendingMessages(deps, turn));
  if ('declined' in result) throw new Error('unexpectedly declined');
  return result;
}

async function withHistory(deps: TestDependencies): Promise<void> {
  await deps.store.append('console:s', [
    toStoredMessage(
      { role: 'user', content: 'my name is Alice', author: { id: 'U1', name: 'Alice' }, at: 1 },
      counter,
    ),
    toStoredMessage({ role: 'assistant', content: 'Hi Alice', at: 2 }, counter),
  ]);
  await deps.store.setMeta('console:s', { summary: 'Alice likes tea.', responseId: 'resp-1' });
}

describe('buildRequest', () => {
  it('sends system prompt, summary, history, seeded context and the new message', async () => {
    const deps = makeDependencies();
    await withHistory(deps);
    const request = await buildRequest(deps, await loaded(deps));
    expect(request.previousResponseId).toBeUndefined();
    expect(request.messages).toEqual([
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'system', content: `${SUMMARY_PREFIX}Alice likes tea.` },
      { role: 'user', content: 'Alice: my name is Alice' },
      { role: 'assistant', content: 'Hi Alice' },
      { role: 'user', content: 'Alice: hello there' },
    ]);
  });

  it('puts the seeded thread context between the history and the new message', async () => {
    const deps = makeDependencies();
    await withHistory(deps);
    const context = [
      { author: { id: 'U2', name: 'Bob' }, fromBot: false, text: 'the build is red', at: 3 },
      { author: { id: 'B1', name: 'parley' }, fromBot: true, text: 'Which job?', at: 4 },
    ];
    const request = await buildRequest(deps, await loaded(deps, makeTurn({ context })));
    expect(request.messages.slice(2).map((message) => message.content)).toEqual([
      'Alice: my name is Alice',
      'Hi Alice',
      'Bob: the build is red',
      'Which job?',
      'Alice: hello there',
    ]);
  });

  it('continues the response chain with only the persona and the new message in Responses API mode', async () => {
    const deps = makeDependencies({ chainsResponses: true });
    await withHistory(deps);
    await deps.store.setMeta('console:s', { persona: 'Be brief.' });
    const request = await buildRequest(deps, await loaded(deps));
    expect(request).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Alice: hello there' },
      ],
      previousResponseId: 'resp-1',
    });
  });

  it('sends the whole conversation in Responses API mode while there is no chain yet', async () => {
    const deps = makeDependencies({ chainsResponses: true });
    await withHistory(deps);
    await deps.store.setMeta('console:s', { responseId: null });
    const request = await buildRequest(deps, await loaded(deps));
    expect(request.previousResponseId).toBeUndefined();
    expect(request.messages).toHaveLength(5);
  });
});

describe('buildFullRequest', () => {
  it('rebuilds the whole conversation even when a chain exists (for a lost chain)', async () => {
    const deps = makeDependencies({ chainsResponses: true });
    await withHistory(deps);
    const request = await buildFullRequest(deps, await loaded(deps));
    expect(request.previousResponseId).toBeUndefined();
    expect(request.messages.map((message) => message.role)).toEqual([
      'system',
      'system',
      'user',
      'assistant',
      'user',
    ]);
  });
});
