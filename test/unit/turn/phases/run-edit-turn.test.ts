import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../../src/app/errors.ts';
import { runEditTurn } from '../../../../src/turn/phases/run-edit-turn.ts';
import { runListenTurn } from '../../../../src/turn/phases/run-listen-turn.ts';
import { makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';
import { changeTurn, converse, stored, tokensAddUp } from './follow-up-fixtures.ts';

const twoExchanges = (...steps: Array<{ text: string } | { error: unknown }>) =>
  makeDependencies({ posts: true, steps: [{ text: 'Hi.' }, { text: 'Paris.' }, ...steps] });

describe('runEditTurn of the latest exchange', () => {
  it('answers the edited text again from the history before it, editing the old answer in place', async () => {
    const deps = twoExchanges({ text: 'Rome.' });
    await converse(deps, [
      ['q1', 'hello'],
      ['q2', 'capital of France?'],
    ]);
    await runEditTurn(deps, makeJob(changeTurn('edit', 'q2', 'capital of Italy?'), { seq: 3 }), deps.logger);

    expect(deps.model.requests[2]!.messages.slice(1)).toEqual([
      { role: 'user', content: 'Alice: hello' },
      { role: 'assistant', content: 'Hi.' },
      { role: 'user', content: 'Alice: capital of Italy?' },
    ]);
    // The reply opened over the old answer's message, and posted no other.
    expect(deps.channel.opened.at(-1)!.options.previous).toEqual([{ channelId: 'c', messageId: 'm2' }]);
    expect(deps.channel.finishedTexts()).toEqual(['Hi.', 'Paris.', 'Rome.']);
    expect(await stored(deps)).toEqual([
      ['user', 'hello', 'q1'],
      ['assistant', 'Hi.', ['m1']],
      ['user', 'capital of Italy?', 'q2'],
      ['assistant', 'Rome.', ['m2']],
    ]);
    // The edited message keeps the time it was first written.
    expect((await deps.store.load('console:s'))[2]!.at).toBe(RECEIVED_AT + 1);
    expect(await tokensAddUp(deps)).toBe(true);
    expect(await deps.store.committedSeq('console:s')).toBe(3);
    const report = await deps.ledger.read({ scopeId: 'console:s', userId: 'U1', at: deps.now() });
    expect(report.scope.total.calls).toBe(3);
  });

  it('keeps the edited message alone when the model fails, the failure shown over the old answer', async () => {
    const deps = twoExchanges({ error: new ModelError('down', { isRetryable: false, status: 400 }) });
    await converse(deps, [
      ['q1', 'hello'],
      ['q2', 'capital of France?'],
    ]);
    await runEditTurn(deps, makeJob(changeTurn('edit', 'q2', 'capital of Italy?'), { seq: 3 }), deps.logger);
    expect(deps.channel.finishedTexts()[2]).toContain('HTTP 400');
    expect(deps.channel.opened.at(-1)!.options.previous).toEqual([{ channelId: 'c', messageId: 'm2' }]);
    expect(await stored(deps)).toEqual([
      ['user', 'hello', 'q1'],
      ['assistant', 'Hi.', ['m1']],
      ['user', 'capital of Italy?', 'q2'],
    ]);
    expect(await tokensAddUp(deps)).toBe(true);
  });

  it('edits what an interrupted earlier run of the edit posted', async () => {
    const deps = twoExchanges({ text: 'Rome.' });
    await converse(deps, [
      ['q1', 'hello'],
      ['q2', 'capital of France?'],
    ]);
    const earlier = [{ channelId: 'c', messageId: 'm2' }];
    const job = makeJob(changeTurn('edit', 'q2', 'capital of Italy?'), { seq: 3, previousReplies: earlier });
    await runEditTurn(deps, job, deps.logger);
    expect(deps.channel.opened.at(-1)!.options.previous).toBe(earlier);
  });
});

describe('runEditTurn of anything else', () => {
  it('amends an earlier message without answering: the talk has moved on', async () => {
    const deps = twoExchanges();
    await converse(deps, [
      ['q1', 'hello'],
      ['q2', 'capital of France?'],
    ]);
    await runEditTurn(deps, makeJob(changeTurn('edit', 'q1', 'hello, bot'), { seq: 3 }), deps.logger);
    expect(deps.model.requests).toHaveLength(2);
    expect(deps.channel.opened).toHaveLength(2);
    expect(await stored(deps)).toEqual([
      ['user', 'hello, bot', 'q1'],
      ['assistant', 'Hi.', ['m1']],
      ['user', 'capital of France?', 'q2'],
      ['assistant', 'Paris.', ['m2']],
    ]);
    expect(await tokensAddUp(deps)).toBe(true);
    expect(await deps.store.committedSeq('console:s')).toBe(3);
  });

  it('amends a newest message that has no answer (one listened to) without answering', async () => {
    const deps = makeDependencies();
    const listened = makeTurn({ kind: 'listen', text: 'Bob, see you at 5', messageRef: 'l1' });
    await runListenTurn(deps, makeJob(listened), deps.logger);
    await runEditTurn(deps, makeJob(changeTurn('edit', 'l1', 'Bob, see you at 6'), { seq: 2 }), deps.logger);
    expect(deps.model.requests).toHaveLength(0);
    expect(await stored(deps)).toEqual([['user', 'Bob, see you at 6', 'l1']]);
    expect(await tokensAddUp(deps)).toBe(true);
  });

  it('changes nothing for a message not remembered, and logs it at debug', async () => {
    const deps = twoExchanges();
    await converse(deps, [['q1', 'hello']]);
    await runEditTurn(deps, makeJob(changeTurn('edit', 'gone', 'whatever'), { seq: 2 }), deps.logger);
    expect(await stored(deps)).toEqual([
      ['user', 'hello', 'q1'],
      ['assistant', 'Hi.', ['m1']],
    ]);
    expect(await deps.store.committedSeq('console:s')).toBe(2);
    expect(deps.lines.at(-1)).toMatchObject({ level: 20, kind: 'edit' });
  });

  it('remembers the edit but does not answer again past the daily budget', async () => {
    const deps = twoExchanges({ text: 'never' });
    await converse(deps, [['q1', 'hello']]);
    const budgeted = { ...deps, budgets: { perUserDaily: 1 } };
    await runEditTurn(budgeted, makeJob(changeTurn('edit', 'q1', 'hello, bot'), { seq: 2 }), deps.logger);
    expect(deps.model.requests).toHaveLength(1);
    expect(await stored(deps)).toEqual([
      ['user', 'hello, bot', 'q1'],
      ['assistant', 'Hi.', ['m1']],
    ]);
  });
});
