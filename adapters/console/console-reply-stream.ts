import { formatCost } from '../../src/commands/format-usage.ts';
import type { ReplyDetails, ReplyStream } from '../../src/turn/reply-channel.ts';
import { finishedBlocksEnd } from './markdown-blocks.ts';
import { createReplyScreen } from './reply-screen.ts';
import type { TerminalMarkdown } from './terminal-markdown.ts';

/** What one reply has printed. */
export interface PrintedReply {
  /** How much of the reply's text has been rendered and printed (whole Markdown blocks). */
  printed: number;
  /** Ctrl-C: nothing more is printed, and the end does not count as the current turn's. */
  muted: boolean;
  /** `finish` ran. */
  done: boolean;
  /** Its `Bot: ` prompt was printed. */
  started?: boolean;
}

/** Where a reply is printed. */
interface ReplyOutput {
  /** The stream. */
  output: NodeJS.WritableStream;
  /** Renders Markdown for it. */
  render: TerminalMarkdown;
  /** Called once the reply has been printed in full. */
  settle(): void;
}

/**
 * The stream of one reply. Whole Markdown blocks are rendered as they complete; on a terminal the block still
 * being written shows as it streams, raw, and is replaced by its rendering once complete (elsewhere it waits
 * for its end, so piped output holds rendered text only).
 */
export function consoleReplyStream(target: ReplyOutput, reply: PrintedReply): ReplyStream {
  const { render } = target;
  const screen = createReplyScreen(target.output);
  let started = false;
  let seen = '';
  const start = () => {
    if (!started && !reply.muted) {
      screen.write('Bot: ');
      reply.started = true;
    }
    started = true;
  };
  const separator = () => (reply.printed > 0 ? '\n\n' : '');
  /** Prints the blocks of `text` up to `end` that are not printed yet. */
  const printUpTo = (text: string, end: number) => {
    if (end <= reply.printed) return;
    const block = text.slice(reply.printed, end);
    const shown = screen.preview;
    if (!screen.erasePreview()) {
      // What scrolled away stays as it was written; the rest of the block follows raw.
      screen.write(block.slice(shown.length - separator().length));
      screen.keepPreview();
    } else if (block.trim() !== '') screen.write(`${separator()}${render(block)}`);
    reply.printed = end;
  };
  /** A restarted attempt (its text no longer extends what was shown) starts on a line of its own. */
  const restartIfNeeded = (text: string) => {
    if (!text.startsWith(seen.slice(0, reply.printed))) {
      if (!screen.erasePreview()) screen.keepPreview();
      if (reply.printed > 0) screen.write('\n');
      reply.printed = 0;
    } else if (screen.preview !== '' && !text.startsWith(seen) && !screen.erasePreview()) {
      screen.write('\n');
      screen.keepPreview();
    }
  };
  return {
    async showWorking() {
      start();
    },
    async showToolUse(names) {
      // Only before the answer starts to stream, so the line never lands inside its text.
      if (reply.muted || reply.printed > 0 || screen.preview !== '' || names.length === 0) return;
      screen.write(`(using ${names.join(', ')}…)\n     `);
    },
    update(textSoFar: string) {
      if (reply.muted) return;
      start();
      restartIfNeeded(textSoFar);
      seen = textSoFar;
      printUpTo(textSoFar, finishedBlocksEnd(textSoFar));
      screen.showPreview(`${separator()}${textSoFar.slice(reply.printed)}`);
    },
    async finish(text: string, details?: ReplyDetails) {
      reply.done = true;
      if (reply.muted) return;
      start();
      restartIfNeeded(text);
      seen = text;
      printUpTo(text, text.length);
      screen.write('\n');
      if (details?.usage) {
        const { promptTokens, completionTokens } = details.usage;
        screen.write(
          `     (${promptTokens} prompt + ${completionTokens} reply tokens · ${formatCost(details.costUsd ?? null)})\n`,
        );
      }
      target.settle();
    },
  };
}
