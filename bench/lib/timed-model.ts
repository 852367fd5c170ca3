import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit } from './kill-on-exit.ts';

/** The fake model of the through-the-platform scenarios (bench/lib/timed-model-main.ts), in its own process. */
export interface TimedModel {
  /** Base URL including `/v1`. */
  url: string;
  /** Delay before every reply's first byte from now on, ms. */
  setLatency(ms: number): Promise<void>;
  /** When each turn's first token went out (turn id → epoch ms) since the last call; forgets them. */
  takeFirstTokens(): Promise<Map<number, number>>;
  /** Stops it. */
  stop(): Promise<void>;
}

const main = fileURLToPath(new URL('./timed-model-main.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Forks the timed fake model and waits until it listens. */
export async function startTimedModel(logFile: number | 'inherit' = 'inherit'): Promise<TimedModel> {
  const child = fork(main, [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', logFile, 'ipc'],
  });
  const forget = killOnExit(child.pid!);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`timed fake model exited with ${code}`)));
    child.on('message', (raw) => {
      const message = raw as { id: number; result: unknown };
      if (message.id === 0) resolve(message.result as string);
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    });
  });
  const call = <T>(command: Record<string, unknown>): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (result: unknown) => void);
      child.send({ id, ...command });
    });
  return {
    url,
    setLatency: (ms) => call({ command: 'latency', ms }),
    async takeFirstTokens() {
      return new Map(await call<Array<[number, number]>>({ command: 'take' }));
    },
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
      forget();
    },
  };
}
