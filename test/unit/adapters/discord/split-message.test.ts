import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitMessage } from '../../../../adapters/discord/split-message.ts';

const longReply = readFileSync(new URL('../../../fixtures/discord/long-reply.md', import.meta.url), 'utf8');
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** No half of a surrogate pair left dangling (String#isWellFormed is ES2024, beyond our lib). */
function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Lines inside fenced code blocks, in order (fence lines themselves excluded). */
function codeLines(text: string): string[] {
  const lines: string[] = [];
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const match = FENCE.exec(line);
    if (match && !open) open = match[1];
    else if (match && open && match[1]![0] === open[0] && match[1]!.length >= open.length) open = undefined;
    else if (open) lines.push(line);
  }
  return lines;
}

/** The text without fence lines or whitespace: what must survive splitting unchanged. */
function substance(text: string): string {
  return text
    .split('\n')
    .filter((line) => !FENCE.test(line))
    .join('')
    .replace(/\s+/g, '');
}

function fenceCount(text: string): number {
  return text.split('\n').filter((line) => FENCE.test(line)).length;
}

function expectValidParts(parts: string[], original: string): void {
  for (const part of parts) {
    expect(part.length).toBeGreaterThan(0);
    expect(part.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
    expect(isWellFormed(part)).toBe(true);
    expect(fenceCount(part) % 2).toBe(0);
  }
  expect(parts.map(substance).join('')).toBe(substance(original));
  expect(parts.flatMap(codeLines)).toEqual(codeLines(original));
}

const words = (count: number, word = 'word') =>
  Array.from({ length: count }, (_, i) => `${word}${i}`).join(' ');

describe('splitMessage', () => {
  it('keeps a short message whole', () => {
    expect(splitMessage('Hello **there**\n\n- one\n- two')).toEqual(['Hello **there**\n\n- one\n- two']);
  });

  it('returns nothing for blank text', () => {
    expect(splitMessage('  \n\n ')).toEqual([]);
  });

  it('splits the 5,000-character fixture into valid parts with fences intact and nothing lost', () => {
    expect(longReply.length).toBeGreaterThanOrEqual(5000);
    const parts = splitMessage(longReply);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expectValidParts(parts, longReply);
    // The oversized python block is closed at the cut and reopened with its language.
    const reopened = parts.filter((part, index) => index > 0 && part.startsWith('```python\n'));
    expect(reopened.length).toBeGreaterThanOrEqual(1);
    // The small ts block is never cut.
    const withTs = parts.filter((part) => part.includes('```ts'));
    expect(withTs).toHaveLength(1);
    expect(withTs[0]).toContain('export function sessionKeys');
    expect(withTs[0]).toMatch(/replies: `\$\{base\}:replies`,\n {2}\};\n\}\n```/);
  });

  it('cuts at paragraph boundaries when it can', () => {
    const paragraphs = [words(120, 'a'), words(120, 'b'), words(120, 'c')];
    const text = paragraphs.join('\n\n');
    const parts = splitMessage(text);
    expectValidParts(parts, text);
    for (const part of parts) {
      for (const paragraph of part.split('\n\n')) expect(paragraphs).toContain(paragraph);
    }
  });

  it('moves a code block that fits into the next part rather than cutting it', () => {
    const code = ['```js', ...Array.from({ length: 40 }, (_, i) => `console.log(${i});`), '```'].join('\n');
    const text = `${words(250)}\n${code}\nAfter the code.`;
    const parts = splitMessage(text);
    expectValidParts(parts, text);
    expect(parts.filter((part) => part.includes('```js'))).toHaveLength(1);
    expect(parts.find((part) => part.includes('```js'))).toContain(code);
  });

  it('closes and reopens an oversized block with its language (tilde fences too)', () => {
    const body = Array.from({ length: 300 }, (_, i) => `row ${i} ${'x'.repeat(20)}`);
    const text = ['~~~sql', ...body, '~~~'].join('\n');
    const parts = splitMessage(text);
    expectValidParts(parts, text);
    expect(parts.length).toBeGreaterThanOrEqual(4);
    for (const part of parts) {
      expect(part.startsWith('~~~sql\n')).toBe(true);
      expect(part.endsWith('\n~~~')).toBe(true);
    }
  });

  it('does not take a shorter inner fence for the end of a longer one', () => {
    const inner = ['```', 'nested', '```'];
    const body = Array.from({ length: 120 }, (_, i) => `line ${i} ${'y'.repeat(20)}`);
    const text = ['````markdown', ...body, ...inner, ...body, '````', 'done'].join('\n');
    const parts = splitMessage(text);
    expectValidParts(parts, text);
    for (const part of parts.slice(1)) {
      if (!part.startsWith('done')) expect(part.startsWith('````markdown\n')).toBe(true);
    }
  });

  it('cuts a single huge line at spaces and loses nothing', () => {
    const text = words(900);
    const parts = splitMessage(text);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
  });

  it('hard-cuts a word longer than a message without splitting surrogate pairs', () => {
    const text = '😀'.repeat(2500);
    const parts = splitMessage(text);
    expect(parts.join('')).toBe(text);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
      expect(isWellFormed(part)).toBe(true);
    }
  });

  it('honours a smaller limit and normalises CRLF', () => {
    const text = 'one\r\ntwo\r\n\r\nthree four five six';
    const parts = splitMessage(text, 12);
    expect(parts.join('\n').replace(/\s+/g, ' ')).toBe('one two three four five six');
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(12);
  });
});

describe('splitMessage with a tiny limit', () => {
  it('still makes progress through surrogate pairs', () => {
    const parts = splitMessage('😀😀😀😀', 2);
    expect(parts.join('')).toBe('😀😀😀😀');
    for (const part of parts) expect(isWellFormed(part)).toBe(true);
  });
});
