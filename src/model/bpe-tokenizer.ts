import { mergeBytePairs } from './merge-byte-pairs.ts';
import { buildRankTable } from './rank-table.ts';
import type { Tokenizer } from './token-counter.ts';

/** Pre-tokens remembered per tokenizer before the memory starts over. */
const MAX_REMEMBERED = 50_000;
/** Longer pre-tokens (pastes, base64) are rarely seen twice and are not remembered. */
const MAX_REMEMBERED_LENGTH = 64;

/** An encoding as js-tiktoken ships it (`js-tiktoken/ranks/*`): the pre-tokenizer and the compressed ranks. */
export interface BpeRanks {
  /** The pre-tokenizer regular expression. */
  pat_str: string;
  /** Ranks in tiktoken's compressed format (see `buildRankTable`). */
  bpe_ranks: string;
}

/**
 * A tiktoken-compatible tokenizer: the same pre-tokenizer and ranks as js-tiktoken, so the same tokens, with the
 * ranks in a compact table (rank-table.ts) and byte pairs merged in O(n log n) (merge-byte-pairs.ts) where
 * js-tiktoken's merge is quadratic in a pre-token's length (1,600 characters of CJK took it 8 s). Special-token
 * strings such as `<|endoftext|>` are plain text, as chat text is to the API.
 */
export function createBpeTokenizer(ranks: BpeRanks): Tokenizer {
  const table = buildRankTable(ranks.bpe_ranks);
  const pattern = new RegExp(ranks.pat_str, 'ug');
  const utf8 = new TextEncoder();
  const text = new TextDecoder('utf-8');
  // Words recur: remembering each pre-token's tokens roughly halves the cost of ordinary text.
  const known = new Map<string, number | number[]>();
  return {
    encode(input) {
      const tokens: number[] = [];
      for (const match of input.matchAll(pattern)) {
        const word = match[0];
        let encoded = known.get(word);
        if (encoded === undefined) {
          const piece = utf8.encode(word);
          encoded = table.rankOf(piece, 0, piece.length);
          if (encoded === undefined) {
            encoded = [];
            mergeBytePairs(piece, table, encoded);
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
    },
    decode(tokens) {
      const parts: Uint8Array[] = [];
      let length = 0;
      for (const token of tokens) {
        const bytes = table.bytesOf(token);
        if (bytes === undefined) continue;
        parts.push(bytes);
        length += bytes.length;
      }
      const joined = new Uint8Array(length);
      let offset = 0;
      for (const part of parts) {
        joined.set(part, offset);
        offset += part.length;
      }
      return text.decode(joined);
    },
  };
}
