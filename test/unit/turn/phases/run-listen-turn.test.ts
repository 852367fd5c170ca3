import { describe, expect, it } from 'vitest';
import { runListenTurn } from '../../../../src/turn/phases/run-listen-turn.ts';
import { runMessageTurn } from '../../../../src/turn/phases/run-message-turn.ts';
import { makeDependencies, makeJob, makeTurn } from '../turn-fixtures.ts';
import { stored, tokensAddUp } from './follow-up-fixtures.ts';

const bob = { id: 'U2', name: 'Bob' };
const listened = makeTurn({ kind: 'listen', author: bob, text: 'Carol, lunch at noon?', messageRef: 'b1' });

describe('runListenTurn', () => {
  it('remembers the message with its author and ref, without the model or a reply', async () => {
    const deps = makeDependencies();
    await runListenTurn(deps, makeJob(listened), deps.logger);
    expect(deps.model.requests).toHaveLength(0);
    expect(deps.channel.events).toEqual([]);
    const [message] = await deps.store.load('console:s');
    expect(message).toMatchObject({ role: 'user', content: 'Carol, lunch at noon?', author: bob, ref: 'b1' });
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(await tokensAddUp(deps)).toBe(true);
    expect(deps.lines).toMatchObject([{ msg: 'message remembered without an answer' }]);
  });

  it('is part of the conversation the next answer is built from', async () => {
    const deps = makeDependencies({ steps: [{ text: 'Noon it is.' }] });
    await runListenTurn(deps, makeJob(listened), deps.logger);
    await runMessageTurn(deps, makeJob(makeTurn({ text: 'what did Bob ask?' }), { seq: 2 }), deps.logger);
    // Two users in a row are merged into one prompt message, each speaker named.
    expect(JSON.stringify(deps.model.requests[0]!.messages)).toContain('Bob: Carol, lunch at noon?');
    expect(await stored(deps)).toEqual([
      ['user', 'Carol, lunch at noon?', 'b1'],
      ['user', 'what did Bob ask?', undefined],
      ['assistant', 'Noon it is.', undefined],
    ]);
  });

  it('summarizes a history it grew past the threshold', async () => {
    const deps = makeDependencies({
      overrides: { summary: { threshold: 0.01 } },
    });
    for (const seq of [1, 2, 3, 4]) {
      const long = makeTurn({ ...listened, text: 'word '.repeat(100), messageRef: `b${seq}` });
      await runListenTurn(deps, makeJob(long, { seq }), deps.logger);
    }
    // Only summaries reach the model, and what it wrote took the place of the oldest messages.
    expect(deps.model.requests.length).toBeGreaterThan(0);
    expect(JSON.stringify(deps.model.requests[0]!.messages)).toContain('Bob: word word');
    expect((await deps.store.getMeta('console:s')).summary).toBeDefined();
    expect(await deps.store.count('console:s')).toBeLessThan(4);
  });

  it('does nothing more for a message another run already committed', async () => {
    const deps = makeDependencies();
    await runListenTurn(deps, makeJob(listened), deps.logger);
    await runListenTurn(deps, makeJob(listened), deps.logger);
    expect(await deps.store.count('console:s')).toBe(1);
    expect(deps.lines.at(-1)).toMatchObject({
      msg: 'the listened message was already committed by another run',
    });
  });
});
