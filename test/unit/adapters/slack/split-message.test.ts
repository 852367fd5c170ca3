import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../../adapters/slack/split-message.ts';

const fenceLines = (part: string) => part.split('\n').filter((line) => /^ {0,3}```/.test(line)).length;

/** Joins parts back, removing the fence we close at a cut and reopen in the next part. */
function unsplit(parts: string[]): string {
  return parts
    .join('\uE000')
    .replace(/\n```\uE000```[\w+-]*\n/g, '\n')
    .replace(/\uE000/g, '\n');
}
const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();

function paragraph(seed: number, words: number): string {
  return Array.from({ length: words }, (_, index) => `w${seed}_${index}`).join(' ');
}

describe('splitMessage', () => {
  it('returns short text as one part, unchanged', () => {
    expect(splitMessage('hello\n\nworld', 100)).toEqual(['hello\n\nworld']);
  });

  it('cuts between paragraphs', () => {
    const paragraphs = Array.from({ length: 6 }, (_, index) => paragraph(index, 30));
    const text = paragraphs.join('\n\n');
    const parts = splitMessage(text, 500);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(500);
      // every paragraph stays whole
      for (const p of paragraphs) if (part.includes(p.slice(0, 12))) expect(part).toContain(p);
    }
    expect(normalize(unsplit(parts))).toBe(normalize(text));
  });

  it('splits a 9,000-character reply with a large fenced block into balanced parts', () => {
    const code = Array.from(
      { length: 200 },
      (_, index) => `  const value${index} = compute(${index}); // step ${index}`,
    );
    const text = [
      'Here is the plan.',
      '',
      paragraph(1, 60),
      '',
      '```ts',
      ...code,
      '```',
      '',
      paragraph(2, 80),
    ].join('\n');
    expect(text.length).toBeGreaterThan(9_000);
    const parts = splitMessage(text, 3_500);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(3_500);
      expect(fenceLines(part) % 2).toBe(0);
    }
    // A part that continues the block reopens it with its language.
    const continued = parts.slice(1).filter((part) => part.startsWith('```'));
    expect(continued.length).toBeGreaterThan(0);
    for (const part of continued) expect(part.startsWith('```ts\n')).toBe(true);
    expect(normalize(unsplit(parts))).toBe(normalize(text));
  });

  it('never cuts inside a code block that fits into a part of its own', () => {
    const block = ['```py', ...Array.from({ length: 20 }, (_, index) => `print(${index})`), '```'].join('\n');
    const text = [paragraph(1, 100), '', block, '', paragraph(2, 100)].join('\n');
    const parts = splitMessage(text, 1_000);
    expect(parts.some((part) => part.includes(block))).toBe(true);
  });

  it('wraps a single line longer than the limit at spaces', () => {
    const text = paragraph(3, 400);
    const parts = splitMessage(text, 1_000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1_000);
    expect(normalize(parts.join(' '))).toBe(normalize(text));
  });

  it('hard-cuts a line without spaces and keeps every character', () => {
    const text = 'x'.repeat(2_500);
    const parts = splitMessage(text, 1_000);
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1_000);
  });
});
