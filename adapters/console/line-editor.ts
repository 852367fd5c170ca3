import { createInterface, type Interface } from 'node:readline';
import type { Logger } from '../../src/app/logger.ts';
import { MAX_HISTORY_LINES, readLineHistory, writeLineHistory } from './line-history-file.ts';

/** What the terminal chat reads its lines through. */
export interface LineEditor {
  /** Whether a person edits the lines in a terminal (arrows, history, Ctrl-L, Ctrl-C). */
  readonly interactive: boolean;
  /** The lines, as entered, until end of input or `close`. */
  lines: AsyncIterableIterator<string>;
  /** Shows the `You: ` prompt. */
  prompt(): void;
  /** Empties the line being typed (terminal only); resolves whether anything was typed. */
  discardLine(): boolean;
  /** Ends `lines`; resolves once the history file has been written. */
  close(): Promise<void>;
}

/** Options of `openLineEditor`. */
export interface LineEditorOptions {
  /** Where the user types; a TTY gets the line editor, anything else (a pipe) is read line by line. */
  input: NodeJS.ReadableStream;
  /** Where prompts and edits are echoed. */
  output: NodeJS.WritableStream;
  /** The prompt, e.g. `You: `. */
  prompt: string;
  /** File of the lines typed in earlier runs (terminal only); undefined keeps none. */
  historyFile: string | undefined;
  /** Ctrl-C in the terminal (readline's raw mode keeps it from becoming a signal). */
  onInterrupt(): void;
  /** Logger (a history file that cannot be written is reported once, at warn). */
  logger: Logger;
}

/**
 * Opens the chat's input. In a terminal it is readline's line editor (arrows, Home/End, Up/Down through the
 * lines of this and earlier runs, Ctrl-L clears the screen); the history file is rewritten after each line,
 * and a failure to write it is logged once and otherwise ignored. Piped input (scripts, tests) is read as
 * plain lines with no editing and no history file.
 */
export async function openLineEditor(options: LineEditorOptions): Promise<LineEditor> {
  const interactive = (options.input as { isTTY?: boolean }).isTTY === true;
  if (!interactive) {
    const reader = createInterface({
      input: options.input,
      crlfDelay: Number.POSITIVE_INFINITY,
      terminal: false,
    });
    return {
      interactive,
      lines: reader[Symbol.asyncIterator](),
      prompt: () => options.output.write(options.prompt),
      discardLine: () => false,
      close: async () => reader.close(),
    };
  }
  const { historyFile } = options;
  const reader = createInterface({
    input: options.input,
    output: options.output,
    prompt: options.prompt,
    terminal: true,
    history: historyFile ? await readLineHistory(historyFile) : [],
    historySize: MAX_HISTORY_LINES,
    removeHistoryDuplicates: true,
  });
  reader.on('SIGINT', () => options.onInterrupt());
  const written = historyFile ? keepHistory(reader, historyFile, options.logger) : async () => {};
  return {
    interactive,
    lines: reader[Symbol.asyncIterator](),
    prompt: () => reader.prompt(),
    discardLine() {
      const typed = reader.line.length > 0;
      // Ctrl-E then Ctrl-U: to the end of the line, then delete everything before the cursor.
      reader.write(null, { ctrl: true, name: 'e' });
      reader.write(null, { ctrl: true, name: 'u' });
      return typed;
    },
    async close() {
      reader.close();
      await written();
    },
  };
}

/**
 * Rewrites the history file whenever readline's history changes, one write at a time; resolves a function
 * that waits for the writes under way.
 */
function keepHistory(reader: Interface, path: string, logger: Logger): () => Promise<void> {
  let writing = Promise.resolve();
  let reported = false;
  reader.on('history', (history: string[]) => {
    const snapshot = [...history];
    writing = writing.then(() =>
      writeLineHistory(path, snapshot).catch((error: unknown) => {
        if (reported) return;
        reported = true;
        logger.warn({ err: error, path }, 'the chat history file cannot be written; lines are not kept');
      }),
    );
  });
  return () => writing;
}
