import { type ChildProcess, spawn } from 'node:child_process';

/** A Parley process started as `npm start` starts it. */
export interface ParleyProcess {
  /** The child process. */
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (-1 when killed by a signal). */
  exited: Promise<number>;
  /** Resolves once `text` appears in the output; rejects after `timeoutMs` or when the process exits first. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * `npm start` as a process: node with tsx on src/app/main.ts, a clean environment plus `env`, and `args` after
 * it. Signal `child` directly (an npm wrapper would not pass the signal on).
 */
export function startParleyProcess(
  env: Record<string, string>,
  options: { args?: string[]; stdin?: 'ignore' | 'pipe' } = {},
): ParleyProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts', ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const waitForOutput = (text: string | RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const seen = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
      const done = (error?: Error) => {
        listeners.delete(check);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (seen()) done();
      };
      const timer = setTimeout(
        () => done(new Error(`no ${String(text)} within ${timeoutMs} ms; output:\n${output}`)),
        timeoutMs,
      );
      listeners.add(check);
      void exited.then(() => {
        if (!seen()) done(new Error(`exited before printing ${String(text)}; output:\n${output}`));
      });
      check();
    });
  return { child, output: () => output, exited, waitForOutput };
}
