import type { TokenCounter } from '../model/token-counter.ts';

/** Text longer than this is counted on its first part and extrapolated, so a huge file costs no long CPU burst. */
const EXACT_COUNT_CHARS = 1_000_000;
/** Attempts at fitting head + marker under the cap (BPE is not additive; one pass suffices in practice). */
const FIT_ATTEMPTS = 8;

/** A file's text after capping. */
export interface CappedText {
  /** The text, whole or cut with a marker at the end. */
  text: string;
  /** Tokens of `text`. */
  tokens: number;
  /** Whether anything was left out. */
  truncated: boolean;
}

/**
 * The visible note that ends a cut file: `…[truncated: N more tokens]`, with `about` when the count was
 * extrapolated and the unread part (`pages 301–420 not read`) when some of the file was never extracted.
 */
export function fileTruncationMarker(omittedTokens: number, estimated: boolean, unread?: string): string {
  const parts: string[] = [];
  if (omittedTokens > 0) parts.push(`${estimated ? 'about ' : ''}${omittedTokens} more tokens`);
  if (unread) parts.push(unread);
  return `…[truncated: ${parts.join('; ')}]`;
}

/**
 * Caps a file's text at `maxTokens`, keeping its start (a document's opening, a CSV's header row, a source
 * file's imports) and ending it with `fileTruncationMarker`. `unread` names a part that was never extracted
 * (a PDF's pages past the page limit); the text is then marked even when what was read fits.
 */
export function capFileText(
  counter: TokenCounter,
  text: string,
  maxTokens: number,
  unread?: string,
): CappedText {
  const { total, estimated } = countTokens(counter, text);
  if (total <= maxTokens && !unread) return { text, tokens: total, truncated: false };
  let keep = maxTokens - counter.count(`\n${fileTruncationMarker(total, estimated, unread)}`);
  for (let attempt = 0; attempt < FIT_ATTEMPTS && keep > 0; attempt++) {
    const head = counter.truncate(text, keep, 'start');
    const omitted = Math.max(text.length > head.length ? 1 : 0, total - counter.count(head));
    const result = `${head}\n${fileTruncationMarker(omitted, estimated, unread)}`;
    const tokens = counter.count(result);
    if (tokens <= maxTokens) return { text: result, tokens, truncated: true };
    keep -= tokens - maxTokens;
  }
  const marker = counter.truncate(fileTruncationMarker(total, estimated, unread), maxTokens);
  return { text: marker, tokens: counter.count(marker), truncated: true };
}

function countTokens(counter: TokenCounter, text: string): { total: number; estimated: boolean } {
  if (text.length <= EXACT_COUNT_CHARS) return { total: counter.count(text), estimated: false };
  const sample = counter.count(text.slice(0, EXACT_COUNT_CHARS));
  return { total: Math.round((sample * text.length) / EXACT_COUNT_CHARS), estimated: true };
}
