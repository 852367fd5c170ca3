/**
 * A BPE rank table held compactly: every token's bytes in one buffer, and an open-addressing hash index over them.
 * js-tiktoken keeps the same table as a `Map` from comma-joined byte strings (`"104,101,108"`) to ranks plus a
 * second `Map` back, about 110 MB of live heap for o200k_base's 200,000 tokens; this holds it in about 5 MB of typed
 * arrays, outside the garbage collector's way, and looks a byte range up without building a string.
 */

/** Ranks of byte sequences, and the bytes of ranks. */
export interface RankTable {
  /** The rank of `bytes[start, end)` as one token, or undefined when it is not a token. */
  rankOf(bytes: Uint8Array, start: number, end: number): number | undefined;
  /** The bytes of the token with this rank, or undefined for none. */
  bytesOf(rank: number): Uint8Array | undefined;
  /** Tokens in the table. */
  readonly size: number;
}

/** FNV-1a over a byte range. */
function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) hash = Math.imul(hash ^ bytes[index]!, 0x01000193);
  return hash >>> 0;
}

/**
 * Builds the table from tiktoken's compressed rank format (js-tiktoken's `bpe_ranks`): lines of
 * `! <first rank> <base64 token> <base64 token> …`, the tokens numbered on from the first rank.
 */
export function buildRankTable(bpeRanks: string): RankTable {
  // Two passes over the text, no object per token: the first sizes the arrays, the second decodes every token
  // straight into its place. Building 200,000 small buffers first cost 65 MB of resident memory at start.
  let tokens = 0;
  let totalBytes = 0;
  let maxRank = -1;
  forEachToken(bpeRanks, (rank, from, to) => {
    tokens++;
    totalBytes += decodedLength(bpeRanks, from, to);
    maxRank = Math.max(maxRank, rank);
  });
  const data = Buffer.alloc(totalBytes);
  // Where each rank's bytes start in `data`, and how many; -1 for a rank that is not in the table.
  const starts = new Int32Array(maxRank + 1).fill(-1);
  const lengths = new Uint16Array(maxRank + 1);
  let capacity = 1;
  while (capacity < tokens * 2) capacity *= 2;
  const mask = capacity - 1;
  // rank + 1 per slot; 0 is an empty slot.
  const index = new Int32Array(capacity);
  let offset = 0;
  forEachToken(bpeRanks, (rank, from, to) => {
    const length = data.write(bpeRanks.slice(from, to), offset, 'base64');
    starts[rank] = offset;
    lengths[rank] = length;
    let slot = hashOf(data, offset, offset + length) & mask;
    while (index[slot] !== 0) slot = (slot + 1) & mask;
    index[slot] = rank + 1;
    offset += length;
  });

  const matches = (rank: number, bytes: Uint8Array, start: number, end: number): boolean => {
    const length = end - start;
    if (lengths[rank] !== length) return false;
    const at = starts[rank]!;
    for (let byte = 0; byte < length; byte++) if (data[at + byte] !== bytes[start + byte]) return false;
    return true;
  };

  return {
    size: tokens,
    rankOf(bytes, start, end) {
      let slot = hashOf(bytes, start, end) & mask;
      for (;;) {
        const entry = index[slot]!;
        if (entry === 0) return undefined;
        if (matches(entry - 1, bytes, start, end)) return entry - 1;
        slot = (slot + 1) & mask;
      }
    },
    bytesOf(rank) {
      const start = starts[rank];
      if (start === undefined || start < 0) return undefined;
      return data.subarray(start, start + lengths[rank]!);
    },
  };
}

/**
 * Calls `visit` with the rank and the base64 span of every token in tiktoken's compressed format: lines of
 * `! <first rank> <token> <token> …`, the tokens numbered on from the first rank.
 */
function forEachToken(text: string, visit: (rank: number, from: number, to: number) => void): void {
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const rankStart = text.indexOf(' ', lineStart) + 1;
    const rankEnd = text.indexOf(' ', rankStart);
    if (rankStart > 0 && rankEnd !== -1 && rankEnd < lineEnd) {
      let rank = Number.parseInt(text.slice(rankStart, rankEnd), 10);
      let from = rankEnd + 1;
      while (from < lineEnd) {
        let to = text.indexOf(' ', from);
        if (to === -1 || to > lineEnd) to = lineEnd;
        if (to > from) visit(rank++, from, to);
        from = to + 1;
      }
    }
    lineStart = lineEnd + 1;
  }
}

/** Bytes that the base64 text `text[from, to)` decodes to. */
function decodedLength(text: string, from: number, to: number): number {
  let padding = 0;
  if (text.charCodeAt(to - 1) === 61 /* = */) padding++;
  if (text.charCodeAt(to - 2) === 61) padding++;
  return Math.floor(((to - from) * 3) / 4) - padding;
}
