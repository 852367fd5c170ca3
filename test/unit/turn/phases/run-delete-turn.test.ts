import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../../src/app/errors.ts';
import { runDeleteTurn } from '../../../../src/turn/phases/run-delete-turn.ts';
import { makeDependencies, makeJob } from '../turn-fixtures.ts';
import { changeTurn, converse, stored, tokensAddUp } from './follow-up-fixtures.ts';

const withExchanges = async (options: { deletes?: boolean } = {}) => {
  const deps = makeDependencies({ posts: true, deletes: options.deletes ?? true });
  await converse(deps, [
    ['q1', 'hello'],
    ['q2', 'capital of France?'],
  ]);
  return deps;
};

describe('runDeleteTurn', () => {
  it('deletes the answer with the latest question, on the platform and in the history', async () => {
    const deps = await withExchanges();
    await runDeleteTurn(deps, makeJob(changeTurn('delete', 'q2'), { seq: 3 }), deps.logger);
    expect(deps.channel.deleted).toEqual([[{ channelId: 'c', messageId: 'm2' }]]);
    expect(await stored(deps)).toEqual([
      ['user', 'hello', 'q1'],
      ['assistant', 'unscripted', ['m1']],
    ]);
    expect(await tokensAddUp(deps)).toBe(true);
    expect(await deps.store.committedSeq('console:s')).toBe(3);
  });

  it('forgets an earlier message only, leaving its answer standing', async () => {
    const deps = await withExchanges();
    await runDeleteTurn(deps, makeJob(changeTurn('delete', 'q1'), { seq: 3 }), deps.logger);
    expect(deps.channel.deleted).toEqual([]);
    expect(await stored(deps)).toEqual([
      ['assistant', 'unscripted', ['m1']],
      ['user', 'capital of France?', 'q2'],
      ['assistant', 'unscripted', ['m2']],
    ]);
    expect(await tokensAddUp(deps)).toBe(true);
  });

  it('changes nothing for a message not remembered', async () => {
    const deps = await withExchanges();
    const before = await stored(deps);
    await runDeleteTurn(deps, makeJob(changeTurn('delete', 'gone'), { seq: 3 }), deps.logger);
    expect(await stored(deps)).toEqual(before);
    expect(await deps.store.committedSeq('console:s')).toBe(3);
    expect(deps.lines.at(-1)).toMatchObject({ level: 20, kind: 'delete' });
  });

  it('still drops the exchange where the platform cannot delete messages', async () => {
    const deps = await withExchanges({ deletes: false });
    await runDeleteTurn(deps, makeJob(changeTurn('delete', 'q2'), { seq: 3 }), deps.logger);
    expect(await deps.store.count('console:s')).toBe(2);
  });

  it('commits first when the deletion fails, then retries only the deletion', async () => {
    const deps = await withExchanges();
    let failures = 1;
    const deleteReply = deps.channel.deleteReply!;
    deps.channel.deleteReply = async (target, posted) => {
      if (failures-- > 0) throw new PlatformError('console', 'busy', { isRetryable: true });
      await deleteReply(target, posted);
    };
    await runDeleteTurn(deps, makeJob(changeTurn('delete', 'q2'), { seq: 3 }), deps.logger);
    expect(deps.channel.deleted).toHaveLength(1);
    expect(await deps.store.count('console:s')).toBe(2);
  });
});
