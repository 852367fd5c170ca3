/**
 * The compact tokenizer gives exactly js-tiktoken's tokens on real text in both encodings and decodes them back
 * (random and hostile text: token-counter.test.ts); its rank table holds every rank of the file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { createBpeTokenizer } from '../../../src/model/bpe-tokenizer.ts';
import { buildRankTable } from '../../../src/model/rank-table.ts';

/** Real text: this repository's README and sources, and the recorded platform payloads. */
function realTexts(): string[] {
  const texts = [readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')];
  const folder = new URL('../../../src/model/', import.meta.url);
  for (const name of readdirSync(folder)
    .filter((file) => file.endsWith('.ts'))
    .slice(0, 8))
    texts.push(readFileSync(new URL(name, folder), 'utf8'));
  return texts;
}

describe.each([
  ['o200k_base', o200kBase],
  ['cl100k_base', cl100kBase],
] as const)('createBpeTokenizer (%s)', (_name, ranks) => {
  const reference = new Tiktoken(ranks);
  const ours = createBpeTokenizer(ranks);
  const expected = (text: string) => reference.encode(text, [], []);

  it('encodes real text exactly as js-tiktoken does, and decodes it back', () => {
    for (const text of realTexts()) {
      const tokens = ours.encode(text);
      expect(tokens).toEqual(expected(text));
      expect(ours.decode(tokens)).toBe(text);
    }
  });

  it('decodes a cut inside a character to U+FFFD, and skips ids it does not know', () => {
    const tokens = ours.encode('é');
    expect(ours.decode([...tokens, 999_999_999])).toBe('é');
    // The first byte of 'é' alone is a token of its own; decoded alone it is no character.
    const firstByte = buildRankTable(ranks.bpe_ranks).rankOf(Uint8Array.from([0xc3]), 0, 1);
    expect(firstByte).toBeDefined();
    expect(ours.decode([firstByte ?? 0])).toBe('\ufffd');
  });
});

describe('buildRankTable', () => {
  it('holds every rank of the file, finds each by its bytes, and nothing else', () => {
    const table = buildRankTable(o200kBase.bpe_ranks);
    const reference = new Tiktoken(o200kBase) as unknown as { rankMap: Map<string, number> };
    expect(table.size).toBe(reference.rankMap.size);
    let checked = 0;
    for (const [key, rank] of reference.rankMap) {
      if (checked++ % 97 !== 0) continue;
      const bytes = Uint8Array.from(key.split(',').map(Number));
      expect(table.rankOf(bytes, 0, bytes.length)).toBe(rank);
      expect([...(table.bytesOf(rank) ?? [])]).toEqual([...bytes]);
    }
    const padded = Uint8Array.from([0xff, 0xfe, ...Buffer.from(' hello'), 0xfd]);
    expect(table.rankOf(padded, 2, padded.length - 1)).toBe(
      reference.rankMap.get([...Buffer.from(' hello')].join(',')),
    );
    expect(table.rankOf(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]), 0, 5)).toBeUndefined();
    expect(table.bytesOf(-1)).toBeUndefined();
    expect(table.bytesOf(10_000_000)).toBeUndefined();
  });
});
