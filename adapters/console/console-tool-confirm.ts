import type { ConfirmPrompt, ConfirmQuestion } from '../../src/tools/tool-confirmation.ts';
import { outcomeText } from '../../src/tools/tool-confirmation.ts';

/** Reads the next line typed in the terminal; `undefined` at end of input or once `signal` aborts. */
export type ReadAnswerLine = (signal: AbortSignal) => Promise<string | undefined>;

/**
 * Asks in the terminal whether a tool may run: the tool and its arguments, then a `[y/N]` line; only "y" or
 * "yes" lets it run, anything else (or the end of input) does not. The person at the terminal started the
 * turn, so they are the one who answers.
 */
export function askConsoleConfirmation(
  output: NodeJS.WritableStream,
  question: ConfirmQuestion,
  readLine: ReadAnswerLine,
): ConfirmPrompt {
  const seconds = Math.round(question.timeoutMs / 1000);
  output.write(
    `\nMay I run ${question.tool} with ${question.argumentsText.replace(/\s+/g, ' ')}? (no answer in ${seconds} s counts as no) [y/N] `,
  );
  // Once the question is settled (answered by a timeout), the next line is the chat's again.
  const settled = new AbortController();
  const answer = readLine(settled.signal).then((line) =>
    line === undefined ? undefined : { approved: /^y(es)?$/i.test(line.trim()), by: question.askerName },
  );
  return {
    answer,
    async settle(outcome) {
      settled.abort();
      // A timed-out question leaves its prompt open: the outcome starts on a line of its own.
      output.write(
        `${outcome.kind === 'timed_out' ? '\n' : ''}${outcomeText(question, outcome).replace(/`/g, '')}\n     `,
      );
    },
  };
}
