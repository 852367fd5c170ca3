import { performance } from 'node:perf_hooks';

/**
 * Calls `fire(index)` for `count` events at `ratePerSecond`, on schedule whether or not earlier calls have
 * finished (open loop: a slow system gets more work, not less). Late ticks catch up. Resolves when every
 * call has settled; rejects with the first failure.
 */
export async function openLoop(
  ratePerSecond: number,
  count: number,
  fire: (index: number) => Promise<void>,
): Promise<void> {
  const intervalMs = 1000 / ratePerSecond;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(count, Math.floor((performance.now() - started) / intervalMs) + 1);
      while (next < due) pending.push(fire(next++));
      if (next >= count) {
        resolve();
        return;
      }
      const wait = started + next * intervalMs - performance.now();
      setTimeout(tick, Math.max(0, wait));
    };
    tick();
  });
  await Promise.all(pending);
}
