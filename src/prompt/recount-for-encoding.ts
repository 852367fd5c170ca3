import type { StoredMessage } from '../history/history-store.ts';
import { type TokenCounter, UNMARKED_ENCODING } from '../model/token-counter.ts';
import { toStoredMessage } from './render-message.ts';

/** The encoding a stored message's `tokens` was counted in. */
export function storedEncoding(message: Pick<StoredMessage, 'encoding'>): string {
  return message.encoding ?? UNMARKED_ENCODING;
}

/**
 * The messages with `tokens` valid in `counter`'s encoding: counts made in another encoding (before the
 * conversation switched models) are redone, the rest reused as they are.
 */
export function recountForEncoding(messages: StoredMessage[], counter: TokenCounter): StoredMessage[] {
  if (messages.every((message) => storedEncoding(message) === counter.encoding)) return messages;
  return messages.map((message) => {
    if (storedEncoding(message) === counter.encoding) return message;
    const recounted = toStoredMessage(message, counter);
    const { encoding: _stale, ...rest } = message;
    return recounted.encoding === undefined
      ? { ...rest, tokens: recounted.tokens }
      : { ...rest, tokens: recounted.tokens, encoding: recounted.encoding };
  });
}
