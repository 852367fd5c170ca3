import type { StoredMessage } from '../history-store.ts';

/** How a message is stored in the history list; compaction compares these bytes, so it is the only encoder. */
export function serialize(message: StoredMessage): string {
  return JSON.stringify(message);
}

/** A stored integer field; absent or corrupt reads as 0 (the scripts refuse to build on corrupt ones). */
export function integerField(value: string | null | undefined): number {
  const parsed = value == null ? 0 : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

export function isStoredMessage(value: unknown): value is StoredMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return (
    (message.role === 'user' || message.role === 'assistant') &&
    typeof message.content === 'string' &&
    typeof message.at === 'number' &&
    typeof message.tokens === 'number' &&
    Number.isFinite(message.tokens) &&
    message.tokens >= 0
  );
}

export type TransactionResult = [error: Error | null, result: unknown][] | null;

/** Throws the first error of a MULTI/EXEC (ioredis reports per-command errors in the result). */
export function checkTransaction(results: TransactionResult): NonNullable<TransactionResult> {
  if (!results) throw new Error('redis transaction was aborted');
  for (const [error] of results) if (error) throw error;
  return results;
}
