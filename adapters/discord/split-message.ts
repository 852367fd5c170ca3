/** Discord rejects message content longer than this (counted here in UTF-16 units, which is never fewer). */
export const DISCORD_MESSAGE_LIMIT = 2000;

/** An open fenced code block: its marker (```` ``` ```` or `~~~`…) and language. */
interface Fence {
  marker: string;
  language: string;
}

/** A piece of the text: a whole line, or part of a line too long to fit in one message. */
interface Piece {
  text: string;
  /** Whether a newline precedes it in the original text (false for the continuation of a long line). */
  newlineBefore: boolean;
  /** Fence open before this piece. */
  fenceBefore: Fence | null;
  /** Fence open after this piece. */
  fenceAfter: Fence | null;
  /** Whether the piece is a blank line outside code. */
  blank: boolean;
  /** Index of the fenced block this piece belongs to (opening and closing lines included), or -1. */
  block: number;
}

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** A reopened fence names only the language, and never so much that it crowds out the code. */
function languageOf(info: string): string {
  return (info.trim().split(/\s+/)[0] ?? '').slice(0, 32);
}

function fenceLine(fence: Fence): string {
  return `${fence.marker}${fence.language}`;
}

/** Cuts a long line into pieces of at most `max` units, preferring whitespace, never inside a surrogate pair. */
function cutLine(line: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    else cut += 1; // keep the space at the end of the earlier piece so joining restores the line
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut += cut > 1 ? -1 : 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}

function toPieces(text: string, limit: number): Piece[] {
  const pieces: Piece[] = [];
  let fence: Fence | null = null;
  let block = -1;
  let blocks = 0;
  // Room for a reopened and a closing fence line around any piece.
  const maxPiece = Math.max(1, Math.floor(limit / 2));
  for (const line of text.split('\n')) {
    const before: Fence | null = fence;
    const match = FENCE_LINE.exec(line);
    let lineBlock = fence ? block : -1;
    if (match) {
      const marker = match[1]!;
      const info = match[2]!;
      if (!fence) {
        fence = { marker, language: languageOf(info) };
        block = blocks++;
        lineBlock = block;
      } else if (
        marker[0] === fence.marker[0] &&
        marker.length >= fence.marker.length &&
        info.trim() === ''
      ) {
        fence = null;
      }
    }
    const after: Fence | null = fence;
    const blank = !before && !after && line.trim() === '';
    cutLine(line, maxPiece).forEach((part, index) => {
      pieces.push({
        text: part,
        newlineBefore: index === 0,
        // A cut inside the opening line of a fence has the fence open only after the whole line.
        fenceBefore: index === 0 ? before : after,
        fenceAfter: after,
        blank,
        block: lineBlock,
      });
    });
  }
  return pieces;
}

function render(pieces: Piece[], start: number, end: number, closeFence: boolean): string {
  const first = pieces[start]!;
  let text = first.fenceBefore ? `${fenceLine(first.fenceBefore)}\n` : '';
  for (let index = start; index < end; index++) {
    const piece = pieces[index]!;
    if (index > start && piece.newlineBefore) text += '\n';
    text += piece.text;
  }
  const last = pieces[end - 1]!;
  if (closeFence && last.fenceAfter) text += `\n${last.fenceAfter.marker}`;
  return text;
}

/** Length of `render(pieces, start, end, true)` without building it; `offsets` are cumulative piece lengths. */
function renderedLength(pieces: Piece[], offsets: number[], start: number, end: number): number {
  const first = pieces[start]!;
  const last = pieces[end - 1]!;
  const reopen = first.fenceBefore ? fenceLine(first.fenceBefore).length + 1 : 0;
  const close = last.fenceAfter ? last.fenceAfter.marker.length + 1 : 0;
  const leadingNewline = first.newlineBefore ? 1 : 0;
  return reopen + offsets[end]! - offsets[start]! - leadingNewline + close;
}

/** How good a place it is to end a part just before `pieces[end]`: higher is better. */
function cutPriority(pieces: Piece[], end: number, oversizedBlocks: Set<number>, inWindow: boolean): number {
  const previous = pieces[end - 1]!;
  const next = pieces[end]!;
  if (!next.newlineBefore) return previous.fenceAfter && !oversizedBlocks.has(next.block) ? -1 : 0;
  if (previous.fenceAfter) return oversizedBlocks.has(previous.block) ? 1 : -1;
  if (inWindow && (previous.blank || next.blank)) return 3;
  // Stopping short of a block that must be cut anyway would only leave a small part behind.
  let following = end;
  while (pieces[following]?.blank) following++;
  const upcoming = pieces[following];
  if (upcoming && !upcoming.fenceBefore && oversizedBlocks.has(upcoming.block)) return 1;
  return 2;
}

/** Fenced blocks that cannot fit in one message whole; only those may be cut. */
function findOversizedBlocks(pieces: Piece[], limit: number): Set<number> {
  const lengths = new Map<number, number>();
  for (const piece of pieces) {
    if (piece.block < 0) continue;
    lengths.set(piece.block, (lengths.get(piece.block) ?? 0) + piece.text.length + 1);
  }
  const oversized = new Set<number>();
  for (const [block, length] of lengths) if (length > limit) oversized.add(block);
  return oversized;
}

function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, '').replace(/(?:\n[ \t]*)+$/, '');
}

/**
 * Splits a reply into Discord messages of at most `limit` characters. Cuts fall on paragraph, then line
 * boundaries; never inside a fenced code block that fits in one message. A block too large for one message
 * is closed at the cut and reopened, with its language, in the next part.
 */
export function splitMessage(text: string, limit: number = DISCORD_MESSAGE_LIMIT): string[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (normalized.length <= limit) {
    const whole = trimBlankLines(normalized);
    return whole.trim() === '' ? [] : [whole];
  }
  const pieces = toPieces(normalized, limit);
  const oversized = findOversizedBlocks(pieces, limit);
  const offsets = [0];
  for (const piece of pieces)
    offsets.push(offsets.at(-1)! + piece.text.length + (piece.newlineBefore ? 1 : 0));
  const parts: string[] = [];
  let start = 0;
  while (start < pieces.length) {
    // The furthest end that still fits.
    let furthest = start + 1;
    while (furthest < pieces.length && renderedLength(pieces, offsets, start, furthest + 1) <= limit)
      furthest++;
    let end = furthest;
    if (furthest < pieces.length) {
      let best = -Infinity;
      for (let candidate = furthest; candidate > start; candidate--) {
        const inWindow = renderedLength(pieces, offsets, start, candidate) >= limit / 2;
        const priority = cutPriority(pieces, candidate, oversized, inWindow);
        if (priority > best) {
          best = priority;
          end = candidate;
        }
        if (priority === 3) break;
      }
    }
    const part = trimBlankLines(render(pieces, start, end, end < pieces.length));
    // Only a pathological fence marker (hundreds of backticks) could overflow; never send an oversized part.
    for (let offset = 0; offset < part.length; offset += limit) {
      const slice = part.slice(offset, offset + limit);
      if (slice.trim() !== '') parts.push(slice);
    }
    start = end;
  }
  return parts;
}
