import { describe, expect, it } from 'vitest';
import { runSlice, type SliceStep } from '../../../src/queue/run-slice.ts';

/** A step that answers from a script, then 'processed', counting its calls. */
function scriptedStep(script: SliceStep[] = []) {
  let calls = 0;
  return {
    step: async (): Promise<SliceStep> => script[calls++] ?? 'processed',
    calls: () => calls,
  };
}

describe('runSlice', () => {
  it('runs at most turnsPerSlice steps, then yields', async () => {
    const { step, calls } = scriptedStep();
    expect(await runSlice({ turnsPerSlice: 3, isClosing: () => false, step })).toBe('yielded');
    expect(calls()).toBe(3);
  });

  it('ends at once when the session is empty', async () => {
    const { step, calls } = scriptedStep(['processed', 'empty']);
    expect(await runSlice({ turnsPerSlice: 5, isClosing: () => false, step })).toBe('empty');
    expect(calls()).toBe(2);
  });

  it('ends at once when a step stops the session', async () => {
    const { step, calls } = scriptedStep(['stopped']);
    expect(await runSlice({ turnsPerSlice: 5, isClosing: () => false, step })).toBe('stopped');
    expect(calls()).toBe(1);
  });

  it('starts no step once the queue is closing, and reports the slice as yielded', async () => {
    let closing = false;
    const { step, calls } = scriptedStep();
    const closeAfterTwo = async () => {
      const outcome = await step();
      if (calls() === 2) closing = true;
      return outcome;
    };
    expect(await runSlice({ turnsPerSlice: 5, isClosing: () => closing, step: closeAfterTwo })).toBe(
      'yielded',
    );
    expect(calls()).toBe(2);
  });
});
