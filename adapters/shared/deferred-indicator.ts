/**
 * A "working…" indicator that is shown only once the wait has lasted `delayMs`: a quick answer never flashes it,
 * spends no platform call on it, and the model call never waits for the platform to show it. The reply's first
 * write calls `settle` first, so an indicator is never shown after (over) the answer.
 */
export interface DeferredIndicator {
  /** Starts the wait. With a delay of 0 the indicator is shown at once and this resolves when it is. */
  start(): Promise<void>;
  /** Before the reply's first write: an indicator not shown yet never will be; one being shown is waited for. */
  settle(): Promise<void>;
}

/**
 * `show` puts the indicator up (it may post a placeholder the reply then edits); its failure is passed to
 * `onError` when shown late (with a delay of 0 `start` rejects with it, for the caller to log).
 */
export function createDeferredIndicator(
  show: () => Promise<void>,
  delayMs: number,
  onError: (error: unknown) => void,
): DeferredIndicator {
  let timer: NodeJS.Timeout | undefined;
  let showing: Promise<void> | undefined;
  let settled = false;
  return {
    start() {
      if (settled || showing !== undefined || timer !== undefined) return showing ?? Promise.resolve();
      if (delayMs <= 0) {
        showing = show();
        return showing;
      }
      timer = setTimeout(() => {
        timer = undefined;
        if (!settled) showing = show().catch(onError);
      }, delayMs);
      return Promise.resolve();
    },
    async settle() {
      settled = true;
      clearTimeout(timer);
      timer = undefined;
      await showing?.catch(() => {});
    },
  };
}
