import { expect, it } from 'vitest';
import type { AnswerRefs } from '../../src/usage/answer-refs.ts';

const answer = { sessionId: 'discord:G1:C1', scopeId: 'discord:G1:C1', model: 'gpt-4o-mini' };

/**
 * What every `AnswerRefs` promises. `create(ttlMs)` gives a fresh, empty store whose entries live `ttlMs`;
 * `elapse(ms)` lets that much time pass for it.
 */
export function answerRefsContract(
  create: (ttlMs: number) => Promise<AnswerRefs>,
  elapse: (ms: number) => Promise<void>,
): void {
  it('finds the answer a message holds, and nothing for other messages', async () => {
    const refs = await create(60_000);
    await refs.remember('1001', answer);
    await refs.remember('1002', { ...answer, sessionId: 'discord:G1:T2', model: 'gpt-4o' });
    expect(await refs.find('1001')).toEqual(answer);
    expect(await refs.find('1002')).toEqual({ ...answer, sessionId: 'discord:G1:T2', model: 'gpt-4o' });
    expect(await refs.find('1003')).toBeUndefined();
  });

  it('keeps the latest answer a message was given (a re-run answering again)', async () => {
    const refs = await create(60_000);
    await refs.remember('2001', answer);
    await refs.remember('2001', { ...answer, model: 'gpt-4o' });
    expect(await refs.find('2001')).toEqual({ ...answer, model: 'gpt-4o' });
  });

  it('forgets an entry once its time is up', async () => {
    const refs = await create(200);
    await refs.remember('3001', answer);
    expect(await refs.find('3001')).toEqual(answer);
    await elapse(400);
    expect(await refs.find('3001')).toBeUndefined();
  });
}
