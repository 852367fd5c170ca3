import { fork } from 'node:child_process';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killOnExit } from './kill-on-exit.ts';
import { processCpuMs } from './process-cpu.ts';

/** A measured child process (bench/child/child-main.ts) driven over IPC. */
export interface BenchChild {
  /** Its pid. */
  pid: number;
  /** Sends a command and resolves with its result (rejects with the child's error). */
  call<T>(command: string, args?: unknown): Promise<T>;
  /** Its CPU time so far, ms (from /proc). */
  cpuMs(): number;
  /** Disconnects and waits for it to exit. */
  close(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const childMain = fileURLToPath(new URL('../child/child-main.ts', import.meta.url));

/** Forks a fresh measured process (extra V8/Node flags in `nodeOptions`); its stderr goes to `logFile`. */
export async function startBenchChild(options: {
  logFile: string;
  nodeOptions?: string[];
}): Promise<BenchChild> {
  const log = openSync(options.logFile, 'a');
  const child = fork(childMain, [], {
    cwd: repoRoot,
    // --expose-gc: memory figures can tell garbage not yet collected from memory still held.
    execArgv: ['--import', 'tsx', '--expose-gc', ...(options.nodeOptions ?? [])],
    stdio: ['ignore', 'ignore', log, 'ipc'],
  });
  const forget = killOnExit(child.pid!);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      forget();
      resolve();
    }),
  );
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => {
      const error = new Error(`bench child exited with ${code}; see ${options.logFile}`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
    child.on('message', (raw) => {
      const message = raw as { id: number; ok: boolean; result?: unknown; error?: string };
      if (message.id === 0) {
        resolve();
        return;
      }
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`bench child: ${message.error}`));
    });
  });
  await ready;
  const pid = child.pid!;
  return {
    pid,
    call<T>(command: string, args?: unknown) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, command, args });
      });
    },
    cpuMs: () => processCpuMs(pid),
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
