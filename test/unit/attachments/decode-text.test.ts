import { describe, expect, it } from 'vitest';
import { decodeText, looksLikeText } from '../../../src/attachments/decode-text.ts';

describe('decodeText', () => {
  it('strips a UTF-8 byte-order mark', () => {
    expect(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, 0x68, 0x69]))).toBe('hi');
  });

  it('decodes UTF-16 with a mark, both byte orders', () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('añb', 'utf16le')]))).toBe('añb');
    const bigEndian = Buffer.from('añb', 'utf16le').swap16();
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), bigEndian]))).toBe('añb');
  });

  it('reads invalid UTF-8 as Windows-1252 instead of dropping characters', () => {
    // "café;€" as Excel writes it: é = 0xE9, € = 0x80.
    expect(decodeText(Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x3b, 0x80]))).toBe('café;€');
  });
});

describe('looksLikeText', () => {
  it('accepts UTF-8 prose and code, with tabs and CRLF', () => {
    expect(looksLikeText(new TextEncoder().encode('naïve résumé\r\n\tindent ✓'))).toBe(true);
  });

  it('refuses NULs, invalid UTF-8 and a high share of control characters', () => {
    expect(looksLikeText(Uint8Array.from([0x61, 0x00, 0x62]))).toBe(false);
    expect(looksLikeText(Uint8Array.from([0x61, 0xc3, 0x28]))).toBe(false);
    expect(looksLikeText(new TextEncoder().encode(`ab${'\u0001'.repeat(5)}${'c'.repeat(50)}`))).toBe(false);
  });

  it('allows a multi-byte character cut at the end of the sniffed window', () => {
    const text = `${'a'.repeat(64 * 1024 - 1)}é and more`;
    expect(looksLikeText(new TextEncoder().encode(text))).toBe(true);
  });
});
