import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfirmQuestion } from '../../src/tools/tool-confirmation.ts';
import type { CommandResponse, ReplyChannel, ReplyStream } from '../../src/turn/reply-channel.ts';
import { consoleReplyStream, type PrintedReply } from './console-reply-stream.ts';
import { askConsoleConfirmation, type ReadAnswerLine } from './console-tool-confirm.ts';
import { createTerminalMarkdown } from './terminal-markdown.ts';

/** The console's sending side: prints the reply as it streams, then its tokens and cost. */
export interface ConsoleReplyChannel extends ReplyChannel {
  /** Resolves when the reply to the turn currently being answered has been printed in full (or cancelled). */
  nextReplyDone(): Promise<void>;
  /**
   * Ctrl-C: the reply being answered is no longer shown (the one streaming, or else the next one to open) and
   * `nextReplyDone` resolves now. Its turn still ends in order; only its printing stops.
   */
  cancelReply(): void;
  /** Where tool confirmations read their y/N line (the chat's line editor); without one none are offered. */
  readAnswersWith(readLine: ReadAnswerLine): void;
}

/** Options of `createConsoleReplyChannel`. */
export interface ConsoleReplyOptions {
  /** Folder `/export` writes files to, created when missing (default: `parley-exports` here). */
  exportDir?: string;
  /** Colours and styles in the rendered Markdown (a terminal without NO_COLOR); default false: plain text. */
  color?: boolean;
}

/** Creates the reply channel that writes `Bot: …` to `output`, Markdown rendered for the terminal. */
export function createConsoleReplyChannel(
  output: NodeJS.WritableStream,
  options: ConsoleReplyOptions = {},
): ConsoleReplyChannel {
  const render = createTerminalMarkdown({ color: options.color ?? false });
  const exportDir = options.exportDir ?? join(process.cwd(), 'parley-exports');
  let waiters: Array<() => void> = [];
  let active: PrintedReply | undefined;
  let answerLine: ReadAnswerLine | undefined;
  /** Replies cancelled before they opened: skipped as they come, in order. */
  let skipped = 0;
  const settle = () => {
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };

  return {
    platform: 'console',
    nextReplyDone: () => new Promise((resolve) => waiters.push(resolve)),
    readAnswersWith(readLine) {
      answerLine = readLine;
    },
    cancelReply() {
      if (active && !active.done && !active.muted) active.muted = true;
      else skipped += 1;
      settle();
    },
    openReply(): ReplyStream {
      const reply: PrintedReply = { printed: 0, muted: skipped > 0, done: false };
      if (reply.muted) skipped -= 1;
      // A reply cut short (its turn is being run again) keeps what it showed; the next starts on a line of its
      // own, where the new stream's cursor (column 0) expects it.
      if (active?.started && !active.done && !active.muted) output.write('\n');
      active = reply;
      const stream = consoleReplyStream({ output, render, settle }, reply);
      const readLine = answerLine;
      if (!readLine) return stream;
      return Object.assign(stream, {
        askToConfirm: async (question: ConfirmQuestion) => askConsoleConfirmation(output, question, readLine),
      });
    },
    async respond(_target, response: CommandResponse) {
      if (skipped > 0) {
        skipped -= 1;
        return;
      }
      output.write(`${render(response.text)}\n`);
      if (response.file) {
        try {
          await mkdir(exportDir, { recursive: true });
          const path = join(exportDir, response.file.name);
          await writeFile(path, response.file.content);
          output.write(`Saved to ${path}\n`);
        } catch (error) {
          output.write(`Could not save ${response.file.name} in ${exportDir}: ${(error as Error).message}\n`);
        }
      }
      settle();
    },
  };
}
