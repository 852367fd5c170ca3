import { stripVTControlCharacters } from 'node:util';

/**
 * Follows the cursor column of text written to a terminal `columns` wide (escape codes take no room; a
 * character counts one column), so that text just written can be erased again: the streamed raw Markdown of
 * a reply is replaced by its rendering once its block is complete.
 */
export interface TerminalCursor {
  /** The column the cursor is in, 0-based. */
  readonly column: number;
  /** Notes that `text` was written at the cursor. */
  wrote(text: string): void;
  /**
   * The escape codes that move back to where the cursor was before `text` was written from `fromColumn`, and
   * clear everything after; undefined when that text took more rows than the screen has (it scrolled away).
   */
  eraseCodes(text: string, fromColumn: number): string | undefined;
  /** Sets the column after erasing. */
  moveTo(column: number): void;
}

/** A cursor at column `column` of a terminal whose size `size` reads (it may change). */
export function createTerminalCursor(
  size: () => { columns: number; rows: number },
  column = 0,
): TerminalCursor {
  /** Rows moved down and the column reached, writing `text` from `start`. */
  const advance = (text: string, start: number) => {
    const columns = Math.max(1, size().columns);
    let rows = 0;
    let at = start;
    for (const character of stripVTControlCharacters(text)) {
      if (character === '\n') {
        rows += 1;
        at = 0;
      } else if (character === '\r') {
        at = 0;
      } else {
        // The terminal wraps when a character arrives past the last column, not when the column fills.
        if (at >= columns) {
          rows += 1;
          at = 0;
        }
        at += 1;
      }
    }
    return { rows, at };
  };
  return {
    get column() {
      return column;
    },
    wrote(text) {
      column = advance(text, column).at;
    },
    eraseCodes(text, fromColumn) {
      const { rows } = advance(text, fromColumn);
      if (rows >= size().rows) return undefined;
      return `${rows > 0 ? `\x1b[${rows}A` : ''}\r${fromColumn > 0 ? `\x1b[${fromColumn}C` : ''}\x1b[J`;
    },
    moveTo(to) {
      column = to;
    },
  };
}
