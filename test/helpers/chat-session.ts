import { PassThrough } from 'node:stream';

/** Drives the terminal chat through streams, as a person at a terminal would. */
export interface ScriptedTerminal {
  input: PassThrough;
  output: PassThrough;
  /** Everything printed so far. */
  transcript(): string;
  /** Types a line and waits until the chat asks for the next one. */
  say(line: string): Promise<string>;
}

export function scriptedTerminal(): ScriptedTerminal {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  let waiters: Array<() => void> = [];
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
    if (printed.endsWith('You: ')) {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    }
  });
  return {
    input,
    output,
    transcript: () => printed,
    async say(line: string) {
      const before = printed.length;
      const prompted = new Promise<void>((resolve) => waiters.push(resolve));
      input.write(`${line}\n`);
      await prompted;
      return printed.slice(before, printed.length - 'You: '.length);
    },
  };
}
