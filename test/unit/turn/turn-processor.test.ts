import { describe, expect, it } from 'vitest';
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
