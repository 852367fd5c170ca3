/** Runs a task after every earlier task of the same key has finished. */
export type InOrderRunner = (key: string, task: () => Promise<void>) => Promise<void>;

/**
 * Per-key promise chains: one process enqueues a session's messages in the order they arrived, even when
 * looking up names or the thread history takes longer for an earlier one. Tasks of different keys run side by
 * side; a key's chain is dropped once its last task is done, so idle sessions cost nothing. Tasks must not
 * reject (a rejected task would skip the tasks queued after it).
 */
export function createInOrderRunner(): InOrderRunner {
  const chains = new Map<string, Promise<void>>();
  return (key, task) => {
    const next = (chains.get(key) ?? Promise.resolve()).then(task);
    chains.set(key, next);
    void next.then(() => {
      if (chains.get(key) === next) chains.delete(key);
    });
    return next;
  };
}
