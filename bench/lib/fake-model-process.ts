import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killOnExit } from './kill-on-exit.ts';
import { processCpuMs } from './process-cpu.ts';

/** The fake OpenAI-compatible server running in a process of its own. */
export interface FakeModelProcess {
  /** Base URL including `/v1`. */
  url: string;
  /** Its pid. */
  pid: number;
  /** CPU time it has used so far, in ms. */
  cpuMs(): number;
  /** SIGTERM and wait for it to exit. */
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts `test/fakes/fake-openai-server-main.ts` with `node --import tsx` (not npx, so SIGTERM reaches it),
 * so its CPU is not charged to the process being measured.
 */
export async function startFakeModelProcess(options: { latencyMs?: number } = {}): Promise<FakeModelProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/fakes/fake-openai-server-main.ts',
      '--latency-ms',
      String(options.latencyMs ?? 0),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const forget = killOnExit(child.pid!);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      forget();
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('fake model did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`fake model exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    cpuMs: () => processCpuMs(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
