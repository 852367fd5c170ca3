import type { Logger } from '../../app/logger.ts';
import type { StoredMessage } from '../history-store.ts';

/** How a message is stored in the history list; compaction compares these bytes, so it is the only encoder. */
export function serializeMessage(message: StoredMessage): string {
  return JSON.stringify(message);
}

/** Whether a parsed entry has the shape `serializeMessage` writes. */
export function isStoredMessage(value: unknown): value is StoredMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  // A tool result without the id of its call could never be sent (the APIs reject it).
  const roleFits =
    message.role === 'user' ||
    (message.role === 'assistant' &&
      (message.toolCalls === undefined || isToolCallList(message.toolCalls))) ||
    (message.role === 'tool' && typeof message.toolCallId === 'string');
  return (
    roleFits &&
    typeof message.content === 'string' &&
    typeof message.at === 'number' &&
    typeof message.tokens === 'number' &&
    Number.isFinite(message.tokens) &&
    message.tokens >= 0
  );
}

function isToolCallList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (call) =>
        typeof call === 'object' &&
        call !== null &&
        typeof call.id === 'string' &&
        typeof call.name === 'string' &&
        typeof call.arguments === 'string',
    )
  );
}

/** Decodes history entries; a corrupt one is logged (without its content) and skipped, never fatal. */
export interface StoredMessageParser {
  /** The message stored at `index` of the session's list, or `undefined` when the entry is corrupt. */
  parse(sessionId: string, index: number, raw: string): StoredMessage | undefined;
  /** The messages of consecutive entries starting at index 0, corrupt ones left out. */
  parseAll(sessionId: string, entries: string[]): StoredMessage[];
}

/** A parser that reports corrupt entries to `logger`. */
export function createStoredMessageParser(logger: Logger): StoredMessageParser {
  const skip = (sessionId: string, index: number, raw: string, reason: string): undefined => {
    logger.warn({ sessionId, index, bytes: raw.length, reason }, 'skipping corrupt history entry');
    return undefined;
  };
  const parse = (sessionId: string, index: number, raw: string): StoredMessage | undefined => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      return skip(sessionId, index, raw, (error as Error).message);
    }
    return isStoredMessage(value) ? value : skip(sessionId, index, raw, 'not a stored message');
  };
  return {
    parse,
    parseAll(sessionId, entries) {
      const messages: StoredMessage[] = [];
      entries.forEach((raw, index) => {
        const message = parse(sessionId, index, raw);
        if (message) messages.push(message);
      });
      return messages;
    },
  };
}
