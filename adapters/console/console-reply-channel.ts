import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatCost } from '../../src/commands/format-usage.ts';
import type {
  CommandResponse,
  ReplyChannel,
  ReplyDetails,
  ReplyStream,
} from '../../src/turn/reply-channel.ts';

/** The console's sending side: prints the reply as it streams, then its tokens and cost. */
export interface ConsoleReplyChannel extends ReplyChannel {
  /** Resolves when the reply to the turn currently being answered has been printed in full. */
  nextReplyDone(): Promise<void>;
}

/** Creates the reply channel that writes `Bot: …` to `output`; exported files go to `exportDir`. */
export function createConsoleReplyChannel(
  output: NodeJS.WritableStream,
  exportDir: string = process.cwd(),
): ConsoleReplyChannel {
  let waiters: Array<() => void> = [];
  const settle = () => {
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };

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
          settle();
        },
      };
    },
    async respond(_target, response: CommandResponse) {
      output.write(`${response.text}\n`);
      if (response.file) {
        const path = join(exportDir, response.file.name);
        await writeFile(path, response.file.content);
        output.write(`Saved to ${path}\n`);
      }
      settle();
    },
  };
}
