import type { TokenCounter } from '../model/token-counter.ts';

/** Texts remembered per counter; the system prompts and summaries in use at once are few. */
const MAX_ENTRIES = 64;

const caches = new WeakMap<TokenCounter, Map<string, number>>();

/**
 * `counter.count(text)`, remembered for texts that recur on every turn (system prompt, persona,
 * summary) so a turn does not re-encode them. Least recently used entries go first.
 */
export function cachedCount(counter: TokenCounter, text: string): number {
  let cache = caches.get(counter);
  if (!cache) {
    cache = new Map();
    caches.set(counter, cache);
  }
  const known = cache.get(text);
  if (known !== undefined) {
    cache.delete(text);
    cache.set(text, known);
    return known;
  }
  const tokens = counter.count(text);
  cache.set(text, tokens);
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  return tokens;
}
