/**
 * The one polling helper of the suites: wait until something observable has happened (a reply posted, a turn
 * committed, a line logged) instead of sleeping for a guessed time. (To retry assertions until they pass, as
 * the store contracts do while Redis expires keys, vitest's `vi.waitFor` is the tool.)
 */

/** How long and how often `waitFor` polls. */
export interface WaitForOptions {
  /** Give up after this many milliseconds (default 20 000: a whole turn on a loaded two-core machine). */
  timeoutMs?: number;
  /** Pause between two probes, in milliseconds (default 20). */
  intervalMs?: number;
}

/** What a probe answers while the awaited thing has not happened yet. */
type NotYet = undefined | false;

/**
 * Calls `probe` until it answers anything but `undefined` or `false`, and resolves with that answer: `true` for
 * a plain condition, or the awaited thing itself (`() => replies.at(0)`), so the caller need not look it up
 * again. The first probe runs at once. An error thrown by `probe` is not retried: it rejects at once.
 *
 * Rejects with `timed out after <timeoutMs> ms waiting for <description>`. `description` may be a function,
 * called only then, so the message can tell what was seen instead.
 *
 * @example await waitFor('the reply', () => api.messagesIn(channel, ts).length > 0);
 * @example const turn = await waitFor('the reset turn', () => turns.find((t) => t.kind === 'reset'), { timeoutMs: 10_000 });
 */
export async function waitFor<T>(
  description: string | (() => string),
  probe: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 20 }: WaitForOptions = {},
): Promise<Exclude<T, NotYet>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as Exclude<T, NotYet>;
    if (Date.now() > deadline) {
      const what = typeof description === 'function' ? description() : description;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
