/**
 * Processes the benchmark started (redis-server, fake model, measured children) are killed when it exits
 * for any reason — a failed scenario, an uncaught error, SIGINT or SIGTERM — so none is left running.
 */
const pids = new Set<number>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
  // Turning the signals into a normal exit runs the 'exit' handler above.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

/** Kills `pid` when this process exits; call the returned function once it has stopped on its own. */
export function killOnExit(pid: number): () => void {
  install();
  pids.add(pid);
  return () => {
    pids.delete(pid);
  };
}
