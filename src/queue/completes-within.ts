/**
 * Waits for `work` at most `timeoutMs`: true if it finished in time, false if the time ran out first (the work
 * carries on; the caller decides whether to cut it short). A rejection of `work` in time is passed on.
 */
export async function completesWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timeout: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(() => true),
      new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timeout);
  }
}
