import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { killOnExit } from './kill-on-exit.ts';
import { processTreeCpuMs } from './process-tree-cpu.ts';

/** A bot under measurement, running as a process tree of its own. */
export interface BotProcess {
  /** Pid of the process the bench spawned (a process group leader). */
  pid: number;
  /** CPU of the whole tree so far, ms. */
  cpuMs(): number;
  /** SIGTERM to the group, SIGKILL after 10 s; resolves once the spawned process has exited. */
  stop(): Promise<void>;
}

/** How to start one bot. */
export interface BotCommand {
  /** Executable. */
  command: string;
  /** Its arguments. */
  args: string[];
  /** Working directory. */
  cwd: string;
  /** The environment: PATH and HOME, then these. */
  env: Record<string, string>;
  /** Appends stdout and stderr here. */
  logFile: string;
  /** Ready to take load once GET of this answers 200 (polled)… */
  healthUrl?: string;
  /** …or once this returns true (polled), for a bot without an HTTP server. */
  ready?: () => boolean;
}

/** One readiness probe. */
async function isReady(bot: BotCommand): Promise<boolean> {
  if (bot.ready) return bot.ready();
  try {
    const response = await fetch(bot.healthUrl!, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Spawns the bot in a new process group (so `npm start` and what it runs stop together) and waits up to 60 s
 * for it to be ready (see `BotCommand`); rejects, with the log file's name, if it exits or never gets ready.
 */
export async function startBotProcess(bot: BotCommand): Promise<BotProcess> {
  const log = openSync(bot.logFile, 'a');
  const child = spawn(bot.command, bot.args, {
    cwd: bot.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...bot.env },
    stdio: ['ignore', log, log],
    detached: true,
  });
  const pid = child.pid!;
  const forget = killOnExit(pid);
  // killOnExit reaches the leader only; the group's other members go with it on our exit, too.
  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killGroup);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    }),
  );
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${bot.command} exited with ${exitCode}; see ${bot.logFile}`);
    if (await isReady(bot)) break;
    if (performance.now() > deadline) {
      killGroup();
      throw new Error(`${bot.command} not ready within 60 s; see ${bot.logFile}`);
    }
    await sleep(200);
  }
  return {
    pid,
    cpuMs: () => processTreeCpuMs(pid),
    async stop() {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(killGroup, 10_000);
      await exited;
      clearTimeout(timer);
      killGroup();
      process.off('exit', killGroup);
      forget();
    },
  };
}
