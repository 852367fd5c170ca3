import { describe, expect, it } from 'vitest';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import {
  TRUNCATION_MARKER_PATTERN,
  truncateWithMarker,
  truncationMarker,
} from '../../../src/prompt/truncate.ts';

const counter = getTokenCounter('gpt-4o-mini');
const question = 'Why does the deploy fail with exit code 137? Log below.\n';
const log = Array.from(
  { length: 400 },
  (_, i) => `2024-05-01T10:${String(i % 60).padStart(2, '0')} worker ${i} OOM`,
).join('\n');
const closing = '\nPlease answer in one sentence.';
const message = question + log + closing;

describe('truncateWithMarker', () => {
  it('returns a text that fits untouched, using the known count without encoding', () => {
    expect(truncateWithMarker(counter, 'hello world', 2, 'head-tail')).toEqual({
      text: 'hello world',
      tokens: 2,
      truncated: false,
    });
    // A caller-supplied count is trusted (stored messages carry theirs).
    expect(truncateWithMarker(counter, 'hello world', 2, 'head', 1).truncated).toBe(false);
  });

  it('keeps the start and the end around a visible marker (head-tail)', () => {
    const total = counter.count(message);
    const cut = truncateWithMarker(counter, message, 120, 'head-tail');
    expect(cut.truncated).toBe(true);
    expect(cut.tokens).toBe(counter.count(cut.text));
    expect(cut.tokens).toBeLessThanOrEqual(120);
    expect(cut.tokens).toBeGreaterThan(100);
    const match = /^([\s\S]*)\n…\[truncated (\d+) tokens\]…\n([\s\S]*)$/.exec(cut.text);
    expect(match).not.toBeNull();
    const [, head, omitted, tail] = match!;
    expect(head!.startsWith(question)).toBe(true);
    expect(message.startsWith(head!)).toBe(true);
    expect(tail!.endsWith(closing)).toBe(true);
    expect(message.endsWith(tail!)).toBe(true);
    // The head gets about two thirds of the kept tokens.
    expect(counter.count(head!)).toBeGreaterThan(counter.count(tail!));
    // The marker tells roughly how much is missing.
    const kept = counter.count(head!) + counter.count(tail!);
    expect(Math.abs(Number(omitted) - (total - kept))).toBeLessThanOrEqual(3);
  });

  it('keeps only the start in head mode', () => {
    const cut = truncateWithMarker(counter, message, 50, 'head');
    expect(cut.tokens).toBeLessThanOrEqual(50);
    expect(cut.text.endsWith(truncationMarker(Number(TRUNCATION_MARKER_PATTERN.exec(cut.text)![1])))).toBe(
      true,
    );
    expect(message.startsWith(cut.text.replace(TRUNCATION_MARKER_PATTERN, ''))).toBe(true);
    expect(cut.text.startsWith(question)).toBe(true);
  });

  it('cuts without a marker when there is no room for one, and never to a blank text', () => {
    const cut = truncateWithMarker(counter, message, 6, 'head-tail');
    expect(cut.tokens).toBeLessThanOrEqual(6);
    expect(cut.text).not.toMatch(TRUNCATION_MARKER_PATTERN);
    expect(message.startsWith(cut.text)).toBe(true);
    expect(cut.text).not.toBe('');

    // The first token would be whitespace only: an ellipsis stands in.
    const blankStart = truncateWithMarker(counter, `${' '.repeat(40)}\n\n${message}`, 1, 'head');
    expect(blankStart).toEqual({ text: '…', tokens: 1, truncated: true });
  });

  it('returns nothing for a budget of 0', () => {
    expect(truncateWithMarker(counter, message, 0, 'head-tail')).toEqual({
      text: '',
      tokens: 0,
      truncated: true,
    });
  });

  it('fits every budget exactly from 1 to 200 on mixed scripts', () => {
    const mixed = `${'お誕生日おめでとう 👩‍💻 שלום עולם مرحبا ```js\nx()\n``` \u200B'.repeat(40)}`;
    for (let max = 1; max <= 200; max += 7) {
      for (const mode of ['head', 'head-tail'] as const) {
        const cut = truncateWithMarker(counter, mixed, max, mode);
        expect(cut.tokens).toBe(counter.count(cut.text));
        expect(cut.tokens).toBeLessThanOrEqual(max);
        expect(cut.text.trim()).not.toBe('');
        expect(cut.text).not.toContain('\uFFFD');
      }
    }
  });
});
