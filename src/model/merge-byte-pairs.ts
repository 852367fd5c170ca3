import type { RankTable } from './rank-table.ts';

/**
 * Byte-pair merges `piece` (not itself a token) and appends its tokens to `out`: the same tokens as tiktoken's
 * reference merge (lowest rank first, leftmost on ties), but with the parts kept in a linked list and the
 * candidate merges in a heap, so a long pre-token costs O(n log n) rather than the reference's O(n²).
 */
export function mergeBytePairs(piece: Uint8Array, ranks: RankTable, out: number[]): void {
  const n = piece.length;
  const rankOf = (start: number, end: number): number | undefined => ranks.rankOf(piece, start, end);
  if (n === 1) {
    const rank = rankOf(0, 1);
    if (rank !== undefined) out.push(rank);
    return;
  }
  // Parts form a linked list; a part is known by its first byte, which never changes.
  const end = new Int32Array(n);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const pairRank = new Float64Array(n); // rank of merging a part with the next one, or Infinity
  const heap = new MinHeap();
  const update = (start: number): void => {
    const after = next[start]!;
    const rank = after === -1 ? undefined : rankOf(start, end[after]!);
    pairRank[start] = rank ?? Number.POSITIVE_INFINITY;
    // Keyed by rank, then position: the leftmost of equal ranks merges first, as in the reference.
    if (rank !== undefined) heap.push(rank * n + start);
  };
  for (let i = 0; i < n; i++) {
    end[i] = i + 1;
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  for (let i = 0; i < n - 1; i++) update(i);
  while (heap.size > 0) {
    const key = heap.pop();
    const start = key % n;
    // Entries go stale when a neighbour merges; the current rank of the pair tells which are live.
    if (pairRank[start] !== (key - start) / n) continue;
    const absorbed = next[start]!;
    end[start] = end[absorbed]!;
    next[start] = next[absorbed]!;
    if (next[absorbed]! !== -1) prev[next[absorbed]!] = start;
    pairRank[absorbed] = Number.POSITIVE_INFINITY;
    update(start);
    if (prev[start]! !== -1) update(prev[start]!);
  }
  for (let start = 0; start !== -1; start = next[start]!) {
    const rank = rankOf(start, end[start]!);
    if (rank !== undefined) out.push(rank);
  }
}

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    let i = items.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]! < items[left]! ? right : left;
        if (items[child]! >= last) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
