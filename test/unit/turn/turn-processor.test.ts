import { describe, expect, it } from 'vitest';
import type { TurnJob } from '../../../src/queue/turn-queue.ts';
import { COMMAND_GIVE_UP_TEXT } from '../../../src/turn/phases/give-up-turn.ts';
import { budgetText, createTurnProcessor, modelFailureText } from '../../../src/turn/turn-processor.ts';
import { makeDependencies, makeJob, makeTurn, RECEIVED_AT } from './turn-fixtures.ts';

describe('createTurnProcessor', () => {
  it('sends each kind of turn down its own path, counting the wait first', async () => {
    const deps = makeDependencies({
      respond: true,
      steps: [{ text: 'answer' }],
      overrides: { now: () => RECEIVED_AT + 250 },
    });
    const process = createTurnProcessor(deps);
    await process(makeJob(makeTurn(), { seq: 1 }));
    await process(makeJob(makeTurn({ kind: 'command', command: { name: 'help', args: '' } }), { seq: 2 }));
    await process(makeJob(makeTurn({ kind: 'reset', text: '' }), { seq: 3 }));
    const outcomes = deps.metrics.events.filter(([name]) => name === 'turnStarted' || name === 'turnDone');
    expect(outcomes).toEqual([
      ['turnStarted', 250],
      ['turnDone', 'answered', RECEIVED_AT],
      ['turnStarted', 250],
      ['turnDone', 'command', RECEIVED_AT],
      ['turnStarted', 250],
      ['turnDone', 'reset', RECEIVED_AT],
    ]);
    expect(deps.model.requests).toHaveLength(1);
    expect(deps.channel.responses).toHaveLength(1);
    expect(await deps.store.count('console:s')).toBe(0);
  });

  it("logs with the turn's session and seq", async () => {
    const deps = makeDependencies();
    await createTurnProcessor(deps)(makeJob(makeTurn({ kind: 'reset' }), { seq: 7 }));
    expect(deps.lines).toMatchObject([{ msg: 'session reset', sessionId: 'console:s', seq: 7 }]);
  });

  it('still exports the texts other modules import', () => {
    expect(budgetText('user', 5, 0)).toContain('5 tokens');
    expect(modelFailureText(new Error('x'))).toContain('Something went wrong');
  });
});

describe('createTurnProcessor: no turn blocks its session', () => {
  /** Runs the job the way the queue does: again after each throw, until it returns (or plainly never will). */
  async function runLikeTheQueue(process: ReturnType<typeof createTurnProcessor>, job: TurnJob) {
    const thrown: string[] = [];
    for (let attempt = 1; attempt <= job.maxAttempts + 2; attempt++) {
      try {
        await process({ ...job, attempt });
        return { runs: attempt, thrown };
      } catch (error) {
        thrown.push((error as Error).message);
      }
    }
    return { runs: Number.POSITIVE_INFINITY, thrown };
  }

  it('gives up a command that keeps throwing after its runs: the invoker is told, the session moves on', async () => {
    const deps = makeDependencies({ respond: true, steps: [{ text: 'next answer' }] });
    deps.ledger.read = async () => {
      throw new Error('ledger bug');
    };
    const process = createTurnProcessor(deps);
    const usage = makeTurn({ kind: 'command', text: '', command: { name: 'usage', args: '' } });
    const { runs, thrown } = await runLikeTheQueue(process, makeJob(usage, { seq: 1, maxAttempts: 3 }));
    expect(runs).toBe(3);
    expect(thrown).toEqual(['ledger bug', 'ledger bug']);
    expect(deps.channel.responses).toEqual([{ text: COMMAND_GIVE_UP_TEXT }]);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    await process(makeJob(makeTurn(), { seq: 2 }));
    expect(deps.channel.finishedTexts()).toEqual(['next answer']);
  });

  it('settles a turn for a platform this worker cannot answer on after its runs, without the model', async () => {
    const deps = makeDependencies({ steps: [{ text: 'never' }] });
    const process = createTurnProcessor(deps);
    const slack = makeTurn({ target: { platform: 'slack', channelId: 'C1' } });
    const { runs, thrown } = await runLikeTheQueue(process, makeJob(slack, { maxAttempts: 3 }));
    expect(runs).toBe(3);
    expect(thrown).toEqual(['no reply channel for platform slack', 'no reply channel for platform slack']);
    expect(deps.model.requests).toHaveLength(0);
    expect((await deps.store.load('console:s')).map((message) => message.content)).toEqual(['hello there']);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
  });

  it('never runs a command past its last run: a `forget confirm` whose runs died is skipped, not repeated', async () => {
    const deps = makeDependencies({ respond: true });
    await deps.store.commitTurn('console:other', { seq: 1, messages: [], scopeId: 'console:chan' });
    const forget = makeTurn({
      kind: 'command',
      text: '',
      scopeId: 'console:chan',
      command: { name: 'forget', args: 'confirm' },
    });
    await createTurnProcessor(deps)(makeJob(forget, { attempt: 4, maxAttempts: 3 }));
    expect(await deps.store.sessionsInScope('console:chan')).toContain('console:other');
    expect(deps.channel.responses).toEqual([{ text: COMMAND_GIVE_UP_TEXT }]);
  });

  it('does not run a committed turn again: a re-run after the commit asks the model nothing', async () => {
    const deps = makeDependencies({ steps: [{ text: 'answer' }, { text: 'second answer' }] });
    const process = createTurnProcessor(deps);
    await process(makeJob());
    await process(makeJob(makeTurn(), { attempt: 2 }));
    expect(deps.model.requests).toHaveLength(1);
    expect(deps.channel.finishedTexts()).toEqual(['answer']);
  });
});
