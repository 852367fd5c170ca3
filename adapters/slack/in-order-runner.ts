/** Runs a task after every earlier task of the same key has finished; settles as the task does. */
export type InOrderRunner = (key: string, task: () => Promise<void>) => Promise<void>;

/**
 * Per-key promise chains: one process enqueues a session's messages in the order they arrived, even when
 * looking up names or the thread history takes longer for an earlier one. Tasks of different keys run side by
 * side; a key's chain is dropped once its last task is done, so idle sessions cost nothing. A task that
 * rejects rejects only its own caller: the tasks queued after it still run.
 */
export function createInOrderRunner(): InOrderRunner {
  const chains = new Map<string, Promise<void>>();
  return (key, task) => {
    const run = (chains.get(key) ?? Promise.resolve()).then(task);
    const settled = run.catch(() => {});
    chains.set(key, settled);
    void settled.then(() => {
      if (chains.get(key) === settled) chains.delete(key);
    });
    return run;
  };
}
