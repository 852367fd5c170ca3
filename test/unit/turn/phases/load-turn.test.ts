import { describe, expect, it } from 'vitest';
import { toStoredMessage } from '../../../../src/prompt/render-message.ts';
import { loadHistoryWindow, loadTurn, pendingMessages } from '../../../../src/turn/phases/load-turn.ts';
import type { ContextMessage } from '../../../../src/turn/turn.ts';
import { counter, makeDependencies, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

const context: ContextMessage[] = [
  { author: { id: 'U2', name: 'Bob' }, fromBot: false, text: 'the build is red', at: 1 },
  { author: { id: 'B1', name: 'parley' }, fromBot: true, text: 'Which job?', at: 2 },
  { author: { id: 'U2', name: 'Bob' }, fromBot: false, text: '   ', at: 3 },
];

describe('pendingMessages', () => {
  it("stores the user's message with its author, time and rendered token cost", async () => {
    const { userMessage, seeded } = await pendingMessages(makeDependencies(), makeTurn());
    expect(seeded).toEqual([]);
    expect(userMessage).toEqual({
      role: 'user',
      content: 'hello there',
      author: { id: 'U1', name: 'Alice' },
      at: RECEIVED_AT,
      tokens: counter.messageTokens({ role: 'user', content: 'Alice: hello there' }),
    });
  });

  it('seeds a session that never had a turn with the non-blank thread context', async () => {
    const { seeded } = await pendingMessages(makeDependencies(), makeTurn({ context }));
    expect(seeded.map((message) => [message.role, message.content, message.author?.name])).toEqual([
      ['user', 'the build is red', 'Bob'],
      ['assistant', 'Which job?', undefined],
    ]);
  });

  it('does not seed a session that already had a turn', async () => {
    const deps = makeDependencies();
    await deps.store.commitTurn('console:s', { seq: 1, messages: [] });
    expect((await pendingMessages(deps, makeTurn({ context }))).seeded).toEqual([]);
  });
});

describe('loadTurn', () => {
  it("prefers the channel's persona and falls back to the session's own", async () => {
    const deps = makeDependencies();
    await deps.store.setMeta('console:s', { persona: 'own persona', summary: 'they met' });
    const pending = await pendingMessages(deps, makeTurn());

    const own = await loadTurn(deps, makeTurn({ scopeId: 'console:chan' }), pending);
    expect(own).toMatchObject({ persona: 'own persona', meta: { summary: 'they met' } });

    await deps.store.setMeta('console:chan', { persona: 'channel persona' });
    const scoped = await loadTurn(deps, makeTurn({ scopeId: 'console:chan' }), pending);
    expect(scoped).toMatchObject({ persona: 'channel persona', userMessage: pending.userMessage });
  });

  it('declines a turn past its budget', async () => {
    const deps = makeDependencies({ overrides: { budgets: { perUserDaily: 10 } } });
    await deps.ledger.record({
      scopeId: 'console:s',
      userId: 'U1',
      at: deps.now(),
      usage: { promptTokens: 10, completionTokens: 0, costUsd: null },
    });
    const loaded = await loadTurn(deps, makeTurn(), await pendingMessages(deps, makeTurn()));
    expect(loaded).toEqual({ declined: expect.stringContaining('You have used today') });
  });
});

describe('loadHistoryWindow', () => {
  it('reads only the newest messages the history budget and message limit allow', async () => {
    const deps = makeDependencies({
      overrides: {
        prompt: { systemPrompt: 's', maxContextTokens: 4_000, maxReplyTokens: 500, maxHistoryMessages: 2 },
      },
    });
    const messages = ['one', 'two', 'three'].map((content, at) =>
      toStoredMessage({ role: 'user', content, at }, counter),
    );
    await deps.store.append('console:s', messages);
    expect((await loadHistoryWindow(deps, 'console:s')).map((message) => message.content)).toEqual([
      'two',
      'three',
    ]);
    const tight = { ...deps, historyBudget: messages[2]!.tokens };
    expect((await loadHistoryWindow(tight, 'console:s')).map((message) => message.content)).toEqual([
      'three',
    ]);
  });
});
