import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ; see process-cpu.ts.
const TICKS_PER_SECOND = 100;

/** utime + stime + cutime + cstime (ms) and parent pid of one process; undefined once it is gone. */
function statOf(pid: number): { cpuMs: number; parent: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU (user + system, ms) used so far by `root` and every live descendant, plus the children they have
 * reaped: `npm start` runs the measured server two processes below the one the bench spawned.
 */
export function processTreeCpuMs(root: number): number {
  const stats = new Map<number, { cpuMs: number; parent: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = statOf(pid);
    if (stat) stats.set(pid, stat);
  }
  if (!stats.has(root)) return Number.NaN;
  const inTree = (pid: number): boolean => {
    for (let current = pid, hops = 0; current > 1 && hops < 64; hops++) {
      if (current === root) return true;
      current = stats.get(current)?.parent ?? 0;
    }
    return false;
  };
  let total = 0;
  for (const [pid, stat] of stats) if (inTree(pid)) total += stat.cpuMs;
  return total;
}
