import { describe, expect, it } from 'vitest';
import { giveUpTurn } from '../../../../src/turn/phases/give-up-turn.ts';
import { runCommandTurn } from '../../../../src/turn/phases/run-command-turn.ts';
import { runMessageTurn } from '../../../../src/turn/phases/run-message-turn.ts';
import { runResetTurn } from '../../../../src/turn/phases/run-reset-turn.ts';
import {
  declineOverBudget,
  makeDependencies,
  makeJob,
  makeTurn,
  RECEIVED_AT,
  type TestDependencies,
} from '../turn-fixtures.ts';

/**
 * Every commit the processor makes carries the turn's `receivedAt`, so a turn received before its channel was
 * forgotten leaves nothing behind even when it commits afterwards — and is not counted as done.
 */
async function forgottenAfterTheTurn(): Promise<TestDependencies> {
  const deps = makeDependencies({ respond: true });
  await deps.store.forgetScope('console:chan', { before: RECEIVED_AT + 1 });
  return deps;
}

const inChannel = makeTurn({ scopeId: 'console:chan' });

async function expectNothingKept(deps: TestDependencies): Promise<void> {
  expect(await deps.store.count('console:s')).toBe(0);
  expect(await deps.store.committedSeq('console:s')).toBe(1);
  expect(await deps.store.sessionsInScope('console:chan')).not.toContain('console:s');
  expect(deps.metrics.events.filter(([name]) => name === 'turnDone')).toEqual([]);
}

describe('a turn received before its scope was forgotten', () => {
  it('message: the answer is not kept and nothing is booked after the commit', async () => {
    const deps = await forgottenAfterTheTurn();
    await runMessageTurn(deps, makeJob(inChannel), deps.logger);
    await expectNothingKept(deps);
    const report = await deps.ledger.read({ scopeId: 'console:chan', userId: 'U1', at: deps.now() });
    expect(report.scope.total.calls).toBe(0);
  });

  it('reset', async () => {
    const deps = await forgottenAfterTheTurn();
    await runResetTurn(deps, makeJob(makeTurn({ ...inChannel, kind: 'reset', text: '' })), deps.logger);
    await expectNothingKept(deps);
  });

  it('command', async () => {
    const deps = await forgottenAfterTheTurn();
    const command = makeTurn({
      ...inChannel,
      kind: 'command',
      text: '',
      command: { name: 'help', args: '' },
    });
    await runCommandTurn(deps, makeJob(command), deps.logger);
    await expectNothingKept(deps);
  });

  it('declined', async () => {
    const deps = await forgottenAfterTheTurn();
    const job = makeJob(inChannel);
    await declineOverBudget(deps, job);
    await expectNothingKept(deps);
  });

  it('given up', async () => {
    const deps = await forgottenAfterTheTurn();
    await giveUpTurn(deps, makeJob(inChannel, { attempt: 4 }), { log: deps.logger });
    await expectNothingKept(deps);
  });
});
