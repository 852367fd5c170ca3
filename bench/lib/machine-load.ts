import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// USER_HZ; see process-cpu.ts.
const TICKS_PER_SECOND = 100;

/** Busy CPU time of the whole machine (all cores), ms, from /proc/stat. */
function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) /
    TICKS_PER_SECOND
  );
}

/** utime, stime, cutime, cstime of a pid in ms, and its parent pid. */
function statOf(pid: number): { cpuMs: number; parent: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** CPU of this process and every live descendant, including children they have already reaped, ms. */
function ownTreeCpuMs(): number {
  const stats = new Map<number, { cpuMs: number; parent: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = statOf(pid);
    if (stat) stats.set(pid, stat);
  }
  const inTree = (pid: number): boolean => {
    for (let current = pid, hops = 0; current > 1 && hops < 64; hops++) {
      if (current === process.pid) return true;
      current = stats.get(current)?.parent ?? 0;
    }
    return false;
  };
  let total = 0;
  for (const [pid, stat] of stats) if (inTree(pid)) total += stat.cpuMs;
  return total;
}

/** CPU the rest of the machine used while the benchmark ran. */
export interface ForeignLoad {
  /** Wall time of the window, ms. */
  wallMs: number;
  /** CPU used by processes outside the benchmark's own tree, ms. */
  foreignCpuMs: number;
  /** That as a share of all cores over the window. */
  share: number;
}

/** Starts a window; `stop()` tells how much CPU processes outside this benchmark used meanwhile. */
export function watchForeignLoad(): { stop(): ForeignLoad } {
  const started = performance.now();
  const busy = machineBusyMs();
  const own = ownTreeCpuMs();
  return {
    stop() {
      const wallMs = performance.now() - started;
      // Reaped children's time reaches cutime/cstime only when waited for; clamp the estimate at zero.
      const foreignCpuMs = Math.max(0, machineBusyMs() - busy - (ownTreeCpuMs() - own));
      return { wallMs, foreignCpuMs, share: foreignCpuMs / (wallMs * availableParallelism()) };
    },
  };
}

/** Waits until other processes use less than `maxShare` of the machine over a 5 s window, or `timeoutMs`. */
export async function waitForQuiet(
  maxShare: number,
  timeoutMs: number,
  progress: (message: string) => void,
): Promise<ForeignLoad> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const window = watchForeignLoad();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const load = window.stop();
    if (load.share <= maxShare || performance.now() >= deadline) return load;
    progress(`waiting for a quiet machine: other processes use ${(load.share * 100).toFixed(0)} % of it`);
  }
}
