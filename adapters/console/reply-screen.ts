import type { WriteStream } from 'node:tty';
import { createTerminalCursor, type TerminalCursor } from './terminal-cursor.ts';

/**
 * Where a reply is printed, with a preview of the Markdown block still being written: on a terminal it is
 * shown raw as it streams and erased again once the block can be rendered; elsewhere nothing is previewed.
 */
export interface ReplyScreen {
  /** Writes text that stays. */
  write(text: string): void;
  /** The raw text previewed now ('' for none). */
  readonly preview: string;
  /** Extends the preview to `shown` (text that does not extend it is ignored); only on a terminal. */
  showPreview(shown: string): void;
  /** Takes the preview off the screen; false (and the preview kept) when it scrolled out of reach. */
  erasePreview(): boolean;
  /** Keeps what the preview shows as written text. */
  keepPreview(): void;
}

/** The screen of `output`; a TTY's size is read as it is now at each erase. */
export function createReplyScreen(output: NodeJS.WritableStream): ReplyScreen {
  const terminal = output as Partial<WriteStream>;
  const cursor: TerminalCursor | undefined =
    terminal.isTTY === true
      ? createTerminalCursor(() => ({ columns: terminal.columns ?? 80, rows: terminal.rows ?? 24 }))
      : undefined;
  /** The raw text previewed, and the column it started at. */
  let preview = { text: '', from: 0 };
  const write = (text: string) => {
    output.write(text);
    cursor?.wrote(text);
  };
  return {
    write,
    get preview() {
      return preview.text;
    },
    showPreview(shown) {
      if (!cursor) return;
      if (preview.text === '') preview = { text: '', from: cursor.column };
      if (!shown.startsWith(preview.text)) return;
      write(shown.slice(preview.text.length));
      preview.text = shown;
    },
    erasePreview() {
      if (!cursor || preview.text === '') return true;
      const codes = cursor.eraseCodes(preview.text, preview.from);
      if (codes === undefined) return false;
      output.write(codes);
      cursor.moveTo(preview.from);
      preview = { text: '', from: 0 };
      return true;
    },
    keepPreview() {
      preview = { text: '', from: 0 };
    },
  };
}
