import { describe, expect, it } from 'vitest';
import { GIVE_UP_TEXT } from '../../../../src/turn/phases/give-up-turn.ts';
import { settleTurn } from '../../../../src/turn/phases/settle-turn.ts';
import { makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

const failing = () => {
  let runs = 0;
  return {
    runs: () => runs,
    run: async () => {
      runs += 1;
      throw new Error('deterministic bug');
    },
  };
};

describe('settleTurn', () => {
  it('passes a failure on while runs remain, so the queue tries the turn again', async () => {
    const deps = makeDependencies();
    const { run } = failing();
    await expect(settleTurn(deps, makeJob(makeTurn(), { attempt: 2 }), deps.logger, run)).rejects.toThrow(
      'deterministic bug',
    );
    expect(await deps.store.committedSeq('console:s')).toBe(0);
    expect(deps.channel.events).toEqual([]);
  });

  it('gives the turn up when its last run fails: the user is told and the session moves on', async () => {
    const deps = makeDependencies();
    await settleTurn(deps, makeJob(makeTurn(), { attempt: 3, maxAttempts: 3 }), deps.logger, failing().run);
    expect(deps.channel.finishedTexts()).toEqual([GIVE_UP_TEXT]);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(deps.metrics.events).toEqual([['turnDone', 'gave_up', RECEIVED_AT]]);
    expect(deps.lines[0]).toMatchObject({ attempt: 3, err: { message: 'deterministic bug' } });
  });

  it('edits what the failed last run posted when it tells the user', async () => {
    const deps = makeDependencies();
    const posted = [{ channelId: 'c', messageId: 'streamed' }];
    const job = makeJob(makeTurn(), { attempt: 3, maxAttempts: 3 });
    await settleTurn(deps, job, deps.logger, async (run) => {
      await run.recordReplies(posted);
      throw new Error('store down after streaming');
    });
    expect(deps.channel.opened[0]!.options.previous).toEqual(posted);
  });

  it('gives up without running a turn past its last run (the earlier runs died)', async () => {
    const deps = makeDependencies();
    const turn = failing();
    await settleTurn(deps, makeJob(makeTurn(), { attempt: 4, maxAttempts: 3 }), deps.logger, turn.run);
    expect(turn.runs()).toBe(0);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
  });

  it('does not run a turn that is already committed again', async () => {
    const deps = makeDependencies();
    await deps.store.commitTurn('console:s', { seq: 1, messages: [] });
    const turn = failing();
    await settleTurn(deps, makeJob(makeTurn(), { attempt: 4 }), deps.logger, turn.run);
    expect(turn.runs()).toBe(0);
    expect(deps.channel.events).toEqual([]);
    expect(deps.lines).toMatchObject([{ msg: 'the turn is already committed; not running it again' }]);
  });

  it('leaves a run that succeeds alone', async () => {
    const deps = makeDependencies();
    let runs = 0;
    await settleTurn(deps, makeJob(makeTurn(), { attempt: 3 }), deps.logger, async () => {
      runs += 1;
    });
    expect(runs).toBe(1);
    expect(deps.metrics.events).toEqual([]);
  });
});
