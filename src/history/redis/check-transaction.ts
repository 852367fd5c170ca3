/** What ioredis resolves a MULTI/EXEC to: per command an error or a result; `null` when aborted. */
export type TransactionResult = [error: Error | null, result: unknown][] | null;

/** Throws the first error of a MULTI/EXEC (ioredis reports per-command errors in the result). */
export function checkTransaction(results: TransactionResult): NonNullable<TransactionResult> {
  if (!results) throw new Error('redis transaction was aborted');
  for (const [error] of results) if (error) throw error;
  return results;
}

/** The result of the transaction's command at `index`, after checking the whole transaction. */
export function resultOf(results: TransactionResult, index: number): unknown {
  return checkTransaction(results)[index]?.[1];
}
