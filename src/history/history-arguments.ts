import type { Compaction, StoredImage, StoredMessage } from './history-store.ts';

/**
 * Argument checks shared by both HistoryStores, so memory and Redis reject the same bad input with the same
 * error (usage deltas are checked by `checkUsage` in usage/usage-counters.ts, shared with the ledgers).
 */

/** A `load` limit (`maxMessages`, `maxTokens`); absent means none. */
export function loadLimit(name: string, value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (Number.isNaN(value)) throw new RangeError(`${name} must be a number, got NaN`);
  return value;
}

/** A turn's seq: a positive integer. */
export function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`turn seq must be a positive integer, got ${seq}`);
  }
}

/** Sum of the messages' tokens; each must be a non-negative integer, as `historyTokens` is kept with HINCRBY. */
export function sumTokens(messages: readonly StoredMessage[]): number {
  let sum = 0;
  for (const message of messages) {
    if (!Number.isSafeInteger(message.tokens) || message.tokens < 0) {
      throw new RangeError(`message tokens must be a non-negative integer, got ${message.tokens}`);
    }
    sum += message.tokens;
  }
  return sum;
}

/** The counts of a compaction: at least one message dropped, a whole number of tokens. */
export function checkCompaction({ dropCount, droppedTokens }: Compaction): void {
  if (!Number.isSafeInteger(dropCount) || dropCount < 1) {
    throw new RangeError(`dropCount must be a positive integer, got ${dropCount}`);
  }
  if (!Number.isSafeInteger(droppedTokens) || droppedTokens < 0) {
    throw new RangeError(`droppedTokens must be a non-negative integer, got ${droppedTokens}`);
  }
}

/** Retention in ms from the store options (`historyTtlMs` wins; it exists for tests); 0 means none. */
export function retentionMs(options: { historyTtlDays?: number; historyTtlMs?: number }): number {
  if (options.historyTtlMs !== undefined) {
    if (!Number.isSafeInteger(options.historyTtlMs) || options.historyTtlMs < 1) {
      throw new RangeError(`historyTtlMs must be a positive integer, got ${options.historyTtlMs}`);
    }
    return options.historyTtlMs;
  }
  if (options.historyTtlDays === undefined) return 0;
  if (!Number.isFinite(options.historyTtlDays) || options.historyTtlDays <= 0) {
    throw new RangeError(`historyTtlDays must be a positive number, got ${options.historyTtlDays}`);
  }
  return Math.max(1, Math.round(options.historyTtlDays * 86_400_000));
}

/** A count argument (`loadOldest`, `listSessions`): a whole number; negative means none. */
export function checkCount(name: string, value: number): number {
  if (Number.isNaN(value)) throw new RangeError(`${name} must be a number, got NaN`);
  return Math.max(0, Math.floor(value));
}

/** A point in time (a turn's `receivedAt`, a forget mark): finite and not negative, ms since epoch. */
export function checkTime(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a time in ms since epoch, got ${value}`);
  }
  return value;
}

/** A commit's `dropLast`: a whole number of messages, 0 (or absent) for none. */
export function checkDropLast(dropLast: number | undefined): number {
  if (dropLast === undefined) return 0;
  if (!Number.isSafeInteger(dropLast) || dropLast < 0) {
    throw new RangeError(`dropLast must be a non-negative integer, got ${dropLast}`);
  }
  return dropLast;
}

/** `amendMessage`'s `searchLimit` (default 500): how many of the newest messages to look through. */
export function checkSearchLimit(searchLimit: number | undefined): number {
  if (searchLimit === undefined) return 500;
  const limit = checkCount('searchLimit', searchLimit);
  // The Lua script takes it as a string, where Infinity has no reliable spelling.
  return Math.min(limit, Number.MAX_SAFE_INTEGER);
}

/** Default of the stores' `maxImageBytes`: 20 MiB. */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** The stores' `maxImageBytes` option (default 20 MiB): a positive whole number of bytes. */
export function imageLimit(options: { maxImageBytes?: number }): number {
  const limit = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`maxImageBytes must be a positive integer, got ${limit}`);
  }
  return limit;
}

/** An image to keep: a hex sha256 (it names the image's key), a mime type and bytes. */
export function checkImage(image: StoredImage): void {
  if (typeof image.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(image.sha256)) {
    throw new RangeError(`image sha256 must be 64 hex digits, got ${String(image.sha256).slice(0, 80)}`);
  }
  if (typeof image.mimeType !== 'string' || image.mimeType === '') {
    throw new RangeError('image mimeType must be a non-empty string');
  }
  if (!(image.bytes instanceof Uint8Array)) throw new TypeError('image bytes must be a Uint8Array');
}
