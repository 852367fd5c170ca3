/** Runs tasks one after another per key, in call order; tasks of different keys run side by side. */
export type KeyedSerial = <T>(key: string, task: () => Promise<T>) => Promise<T>;

/**
 * A `KeyedSerial` that holds one promise per key with work queued, dropped once its last task settled. A task that
 * fails does not stop the ones behind it: each caller gets its own task's result or error.
 */
export function createKeyedSerial(): KeyedSerial {
  const tails = new Map<string, Promise<void>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const result = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
