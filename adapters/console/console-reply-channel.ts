import type { ReplyChannel, ReplyDetails, ReplyStream } from '../../src/reply-channel.ts';
import { formatCost } from './format-usage.ts';

/** The console's sending side: prints the reply as it streams, then its tokens and cost. */
export interface ConsoleReplyChannel extends ReplyChannel {
  /** Resolves when the reply to the turn currently being answered has been printed in full. */
  nextReplyDone(): Promise<void>;
}

/** Creates the reply channel that writes `Bot: …` to `output`. */
export function createConsoleReplyChannel(output: NodeJS.WritableStream): ConsoleReplyChannel {
  let waiters: Array<() => void> = [];

  return {
    platform: 'console',
    nextReplyDone: () => new Promise((resolve) => waiters.push(resolve)),
    openReply(): ReplyStream {
      let printed = '';
      let started = false;
      const start = () => {
        if (!started) output.write('Bot: ');
        started = true;
      };
      return {
        async showWorking() {
          start();
        },
        update(textSoFar: string) {
          start();
          // Print only what is new; a restarted attempt (text no longer extends what was shown) starts a line.
          if (textSoFar.startsWith(printed)) output.write(textSoFar.slice(printed.length));
          else output.write(`\n     ${textSoFar}`);
          printed = textSoFar;
        },
        async finish(text: string, details?: ReplyDetails) {
          start();
          if (text.startsWith(printed)) output.write(text.slice(printed.length));
          else output.write(`${printed ? '\n' : ''}${text}`);
          output.write('\n');
          if (details?.usage) {
            const { promptTokens, completionTokens } = details.usage;
            output.write(
              `     (${promptTokens} prompt + ${completionTokens} reply tokens · ${formatCost(details.costUsd ?? null)})\n`,
            );
          }
          const done = waiters;
          waiters = [];
          for (const resolve of done) resolve();
        },
      };
    },
  };
}
