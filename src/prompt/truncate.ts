import type { TokenCounter } from '../model/token-counter.ts';

/** The visible note left where text was cut out. */
export function truncationMarker(omittedTokens: number): string {
  return `…[truncated ${omittedTokens} tokens]`;
}

/** Matches a marker left by `truncateWithMarker`, capturing the number of omitted tokens. */
export const TRUNCATION_MARKER_PATTERN = /…\[truncated (\d+) tokens\]/;

/** Stands in for a text cut to nothing, so no message is sent blank (1 token in both encodings). */
const ELLIPSIS = '…';
/** Share of the kept tokens that goes to the start when keeping both ends. */
const HEAD_SHARE = 2 / 3;
/** Fewest content tokens worth keeping next to a marker; below this the text is cut without one. */
const MIN_TOKENS_WITH_MARKER = 4;

/** What `truncateWithMarker` returns. */
export interface TruncatedText {
  /** The text, cut or whole; costs at most the requested tokens. */
  text: string;
  /** Its token count. */
  tokens: number;
  /** Whether anything was cut. */
  truncated: boolean;
}

/**
 * Cuts `text` to at most `maxTokens`, leaving a visible `…[truncated N tokens]` marker.
 * `head-tail` keeps about two thirds from the start and one third from the end — a question usually
 * opens a message, and a pasted log or draft is often followed by the actual request; `head` keeps
 * only the start (system prompts, whose instructions lead). When there is no room for the marker,
 * the start is kept without one. `knownTokens` (the text's count, if already known) saves encoding it.
 */
export function truncateWithMarker(
  counter: TokenCounter,
  text: string,
  maxTokens: number,
  mode: 'head' | 'head-tail',
  knownTokens?: number,
): TruncatedText {
  const total = knownTokens ?? counter.count(text);
  if (total <= maxTokens) return { text, tokens: total, truncated: false };
  if (maxTokens <= 0) return { text: '', tokens: 0, truncated: text !== '' };

  // Marker and joins are not additive under BPE: aim a little low, recount the result, and shrink
  // by the overshoot until it fits (one pass in practice).
  let keep = maxTokens - counter.count(`\n${truncationMarker(total)}…\n`);
  for (let attempt = 0; attempt < 8 && keep >= MIN_TOKENS_WITH_MARKER; attempt++) {
    const headTokens = mode === 'head' ? keep : Math.ceil(keep * HEAD_SHARE);
    const tailTokens = keep - headTokens;
    const head = counter.truncate(text, headTokens, 'start');
    let tail = tailTokens > 0 ? counter.truncate(text, tailTokens, 'end') : '';
    // The two ends must not overlap (possible only when nearly everything fits).
    if (head.length + tail.length > text.length) tail = '';
    const omitted = Math.max(1, total - headTokens - tailTokens);
    const result =
      tail === '' ? `${head}${truncationMarker(omitted)}` : `${head}\n${truncationMarker(omitted)}…\n${tail}`;
    const tokens = counter.count(result);
    if (tokens <= maxTokens) return { text: result, tokens, truncated: true };
    keep -= tokens - maxTokens;
  }
  // No room for a marker: keep what fits of the start, or an ellipsis when that would be blank.
  const head = counter.truncate(text, maxTokens, 'start');
  const kept = head.trim() === '' && counter.count(ELLIPSIS) <= maxTokens ? ELLIPSIS : head;
  return { text: kept, tokens: counter.count(kept), truncated: true };
}
