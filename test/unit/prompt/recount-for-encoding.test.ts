import { describe, expect, it } from 'vitest';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import { recountForEncoding } from '../../../src/prompt/recount-for-encoding.ts';
import { toStoredMessage } from '../../../src/prompt/render-message.ts';

const o200k = getTokenCounter('gpt-4o-mini');
const cl100k = getTokenCounter('gpt-4');
const text =
  'Grüße aus München! Let us count these tokens: 1234567890, ÄÖÜ, 你好世界 — and some code: `a => a * 2`.';

describe('stored counts after a model switch between encodings', () => {
  it('marks counts made in another encoding than the unmarked o200k one', () => {
    expect(toStoredMessage({ role: 'user', content: text, at: 1 }, o200k).encoding).toBeUndefined();
    expect(toStoredMessage({ role: 'user', content: text, at: 1 }, cl100k).encoding).toBe('cl100k_base');
  });

  it('redoes counts of the other encoding, keeps those of its own, and keeps every other field', () => {
    const fromO200k = { ...toStoredMessage({ role: 'user', content: text, at: 1 }, o200k), ref: 'm1' };
    const fromCl100k = toStoredMessage({ role: 'assistant', content: text, at: 2 }, cl100k);
    expect(fromO200k.tokens).not.toBe(
      fromCl100k.tokens - cl100k.messageOverhead('assistant') + o200k.messageOverhead('user'),
    );

    const forCl100k = recountForEncoding([fromO200k, fromCl100k], cl100k);
    expect(forCl100k[0]).toEqual({
      ...fromO200k,
      tokens: toStoredMessage({ role: 'user', content: text, at: 1 }, cl100k).tokens,
      encoding: 'cl100k_base',
    });
    expect(forCl100k[1]).toBe(fromCl100k);

    const forO200k = recountForEncoding([fromO200k, fromCl100k], o200k);
    expect(forO200k[0]).toBe(fromO200k);
    expect(forO200k[1]).toEqual({
      role: 'assistant',
      content: text,
      at: 2,
      tokens: toStoredMessage({ role: 'assistant', content: text, at: 2 }, o200k).tokens,
    });
    // Nothing to redo: the very same array.
    const same = [fromO200k];
    expect(recountForEncoding(same, o200k)).toBe(same);
  });
});
