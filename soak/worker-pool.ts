import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const workerScript = fileURLToPath(new URL('./soak-worker.ts', import.meta.url));

/** One running soak worker. */
export interface SoakWorker {
  /** Process id. */
  pid: number;
  /** Its place in the pool (a restarted worker keeps the slot). */
  slot: number;
  child: ChildProcess;
  /** Where its logs go. */
  logFile: string;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
}

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** Flags passed to every worker (`--name value`). */
  args: Record<string, string | number>;
  /** Directory for the workers' log files. */
  logDir: string;
}

/** Worker processes of the soak: started, SIGKILLed, restarted and stopped by slot. */
export interface WorkerPool {
  /** Starts a worker in `slot` and resolves once it takes work. */
  start(slot: number): Promise<SoakWorker>;
  /** Workers currently alive, by slot. */
  running(): SoakWorker[];
  /** SIGKILLs the worker in `slot`; resolves once it is gone and returns its pid. */
  kill(slot: number): Promise<number>;
  /** SIGTERMs every live worker (they finish in-flight turns), SIGKILLs those left after `timeoutMs`; their exits. */
  stopAll(timeoutMs: number): Promise<Array<{ pid: number; exit: number | string }>>;
  /** SIGKILLs every worker at once, without waiting (for signal handlers). */
  killAllNow(): void;
}

/** Spawns soak workers (`node --import tsx soak/soak-worker.ts`), each logging to its own file. */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const bySlot = new Map<number, SoakWorker>();
  const logs: WriteStream[] = [];
  const argv = Object.entries(options.args).flatMap(([name, value]) => [`--${name}`, String(value)]);
  const alive = (worker: SoakWorker) => worker.child.exitCode === null && worker.child.signalCode === null;

  return {
    async start(slot) {
      // Spawned through node itself, not a wrapper, so signals reach the worker.
      const child = spawn(process.execPath, ['--import', 'tsx', workerScript, ...argv], {
        cwd: repoRoot,
        env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const pid = child.pid ?? 0;
      const logFile = join(options.logDir, `worker-${slot}-${pid}.log`);
      const log = createWriteStream(logFile);
      logs.push(log);
      child.stderr?.pipe(log);
      const exited = new Promise<number | string>((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
      );
      const worker: SoakWorker = { pid, slot, child, logFile, exited };
      bySlot.set(slot, worker);
      await new Promise<void>((resolve, reject) => {
        let stdout = '';
        const timer = setTimeout(
          () => reject(new Error(`worker ${pid} not ready in 60 s; see ${logFile}`)),
          60_000,
        );
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          if (stdout.includes('"ready":true')) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`worker ${pid} exited (${code}) before it was ready; see ${logFile}`));
        });
      });
      return worker;
    },

    running: () => [...bySlot.values()].filter(alive),

    async kill(slot) {
      const worker = bySlot.get(slot);
      if (!worker) throw new Error(`no worker in slot ${slot}`);
      worker.child.kill('SIGKILL');
      await worker.exited;
      return worker.pid;
    },

    async stopAll(timeoutMs) {
      const workers = [...bySlot.values()].filter(alive);
      for (const worker of workers) worker.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const worker of workers) if (alive(worker)) worker.child.kill('SIGKILL');
      }, timeoutMs);
      const exits = await Promise.all(
        workers.map(async (worker) => ({ pid: worker.pid, exit: await worker.exited })),
      );
      clearTimeout(timer);
      for (const log of logs) log.end();
      return exits;
    },

    killAllNow() {
      for (const worker of bySlot.values()) if (alive(worker)) worker.child.kill('SIGKILL');
    },
  };
}
