import { type ChildProcess, spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { terminalScreen } from './terminal-screen.ts';

/** Keys as a terminal sends them. */
export const KEYS = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  left: '\x1b[D',
  right: '\x1b[C',
  ctrlC: '\x03',
  ctrlD: '\x04',
  ctrlL: '\x0c',
} as const;

/** `npm start`'s entry point on a real pseudo-terminal (python's `pty`), typed at key by key. */
export interface TerminalProcess {
  /** The relay process (the application runs under it on the pseudo-terminal). */
  child: ChildProcess;
  /** Sends keys (bytes) to the terminal, one key at a time as a person types them (50 ms apart). */
  type(...keys: string[]): Promise<void>;
  /** The terminal's screen as a person sees it now (see `terminalScreen`). */
  screen(): string[];
  /** Everything printed so far, escape codes included. */
  raw(): string;
  /** Everything printed so far without escape codes. */
  text(): string;
  /** Resolves once the text (escape codes removed) from `from` on matches; rejects after `timeoutMs` or on exit. */
  waitFor(pattern: string | RegExp, options?: { from?: number; timeoutMs?: number }): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number>;
}

/** Starts `node --import tsx src/app/main.ts …args` on a pseudo-terminal with a clean environment plus `env`. */
export function startTerminalProcess(args: string[], env: Record<string, string>): TerminalProcess {
  const child = spawn(
    'python3',
    ['test/helpers/pty-relay.py', process.execPath, '--import', 'tsx', 'src/app/main.ts', ...args],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm-256color', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let raw = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    raw += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const text = () => stripVTControlCharacters(raw);
  const waitFor = (pattern: string | RegExp, { from = 0, timeoutMs = 30_000 } = {}) =>
    new Promise<void>((resolve, reject) => {
      const seen = () => {
        const tail = text().slice(from);
        return typeof pattern === 'string' ? tail.includes(pattern) : pattern.test(tail);
      };
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
        () => done(new Error(`no ${String(pattern)} within ${timeoutMs} ms; printed:\n${text()}`)),
        timeoutMs,
      );
      listeners.add(check);
      void exited.then(() => {
        if (!seen()) done(new Error(`exited before printing ${String(pattern)}; printed:\n${text()}`));
      });
      check();
    });
  const type = async (...keys: string[]) => {
    // readline reads keys that arrive in one chunk differently from typed ones (a key after an arrow lands
    // at the end of the line), so each goes on its own, as from a keyboard.
    for (const key of keys) {
      child.stdin?.write(key);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, type, raw: () => raw, screen: () => terminalScreen(raw), text, waitFor, exited };
}
