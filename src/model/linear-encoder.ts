import type { Tiktoken } from 'js-tiktoken/lite';
import { mergeBytePairs } from './merge-byte-pairs.ts';

/** Pre-tokens remembered per encoder before the memory starts over. */
const MAX_REMEMBERED = 50_000;
/** Longer pre-tokens (pastes, base64) are rarely seen twice and are not remembered. */
const MAX_REMEMBERED_LENGTH = 64;

/** The parts of js-tiktoken's `Tiktoken` that `linearEncoder` reuses (present at runtime, not in its types). */
interface TiktokenInternals {
  /** Rank of each token, keyed by its bytes joined with commas. */
  rankMap: Map<string, number>;
  /** The pre-tokenizer regular expression. */
  patStr: string;
}

/**
 * js-tiktoken's own merge rescans every pair after each merge — quadratic in a pre-token's length,
 * and pre-tokens are unbounded: 1,600 characters of CJK (one pre-token) take 8 s, a longer paste
 * minutes. This encoder produces the same tokens (same pre-tokenizer and ranks, lowest rank merged
 * first, leftmost on ties) with a heap of candidate merges, O(n log n). Undefined if the library's
 * internals are not there, in which case its own encoder is used.
 */
export function linearEncoder(tiktoken: Tiktoken): ((text: string) => number[]) | undefined {
  const internals = tiktoken as unknown as Partial<TiktokenInternals>;
  const ranks = internals.rankMap;
  if (!(ranks instanceof Map) || typeof internals.patStr !== 'string') return undefined;
  const pattern = new RegExp(internals.patStr, 'ug');
  const utf8 = new TextEncoder();
  // Words recur: remembering each pre-token's tokens roughly halves the cost of ordinary text.
  const known = new Map<string, number | number[]>();
  return (text) => {
    const tokens: number[] = [];
    for (const match of text.matchAll(pattern)) {
      const word = match[0];
      let encoded = known.get(word);
      if (encoded === undefined) {
        const piece = utf8.encode(word);
        encoded = ranks.get(piece.join(','));
        if (encoded === undefined) {
          encoded = [];
          mergeBytePairs(piece, ranks, encoded);
        }
        if (word.length <= MAX_REMEMBERED_LENGTH) {
          if (known.size >= MAX_REMEMBERED) known.clear();
          known.set(word, encoded);
        }
      }
      if (typeof encoded === 'number') tokens.push(encoded);
      else for (const token of encoded) tokens.push(token);
    }
    return tokens;
  };
}
