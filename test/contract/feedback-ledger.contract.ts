import { expect, it } from 'vitest';
import type { FeedbackEntry, FeedbackLedger } from '../../src/usage/feedback-ledger.ts';

const vote = (changes: Partial<FeedbackEntry>): FeedbackEntry => ({
  sessionId: 'slack:T1:C1:1.1',
  scopeId: 'slack:T1:C1',
  model: 'gpt-4o-mini',
  messageRef: '1.2',
  userId: 'U1',
  value: 'up',
  ...changes,
});

/** What every `FeedbackLedger` promises; `create` gives a fresh, empty ledger. */
export function feedbackLedgerContract(create: () => Promise<FeedbackLedger>): void {
  it('counts per conversation, per channel and per model', async () => {
    const ledger = await create();
    await ledger.record(vote({}));
    await ledger.record(vote({ userId: 'U2', value: 'down' }));
    await ledger.record(vote({ sessionId: 'slack:T1:C1:2.1', messageRef: '2.2', model: 'gpt-4o' }));
    await ledger.record(vote({ scopeId: 'slack:T1:C2', sessionId: 'slack:T1:C2:3.1' }));
    expect(await ledger.read('slack:T1:C1', 'slack:T1:C1:1.1')).toEqual({
      session: { up: 1, down: 1 },
      scope: { up: 2, down: 1 },
      byModel: { 'gpt-4o-mini': { up: 1, down: 1 }, 'gpt-4o': { up: 1, down: 0 } },
    });
  });

  it('keeps one vote per person per answer: a later click replaces it, and says what it replaced', async () => {
    const ledger = await create();
    expect(await ledger.record(vote({}))).toBeUndefined();
    expect(await ledger.record(vote({}))).toBe('up');
    expect(await ledger.record(vote({ value: 'down' }))).toBe('up');
    expect((await ledger.read('slack:T1:C1', 'slack:T1:C1:1.1')).session).toEqual({ up: 0, down: 1 });
  });

  it('forgets a channel and nothing else', async () => {
    const ledger = await create();
    await ledger.record(vote({}));
    await ledger.record(vote({ scopeId: 'slack:T1:C2', sessionId: 'slack:T1:C2:3.1' }));
    await ledger.forgetScope('slack:T1:C1');
    expect((await ledger.read('slack:T1:C1', 'slack:T1:C1:1.1')).scope).toEqual({ up: 0, down: 0 });
    expect((await ledger.read('slack:T1:C2', 'slack:T1:C2:3.1')).scope).toEqual({ up: 1, down: 0 });
  });
}
