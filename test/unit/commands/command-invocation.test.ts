import { describe, expect, it } from 'vitest';
import { answer, nothingToCommit, quote } from '../../../src/commands/command-invocation.ts';
import { invocation } from './command-fixtures.ts';

describe('answer', () => {
  it('answers in text and by default commits only the seq under the scope', () => {
    expect(answer(invocation(''), 'done')).toEqual({
      response: { text: 'done' },
      commit: { seq: 5, messages: [], scopeId: 'console:chan' },
    });
    expect(nothingToCommit(invocation(''))).toEqual({ seq: 5, messages: [], scopeId: 'console:chan' });
  });

  it('commits what it is given instead', () => {
    const commit = { seq: 5, messages: [], forget: true };
    expect(answer(invocation(''), 'gone', commit).commit).toBe(commit);
  });
});

describe('quote', () => {
  it('quotes every line', () => {
    expect(quote('one\ntwo')).toBe('> one\n> two');
  });
});
