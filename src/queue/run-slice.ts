/** Turns a session may run back to back before the others get a go, unless configured otherwise. */
export const DEFAULT_TURNS_PER_SLICE = 5;

/** What one step of a slice did. */
export type SliceStep =
  /** A turn was dealt with (run, skipped or given up on for now): it counts against the slice. */
  | 'processed'
  /** The session has nothing left to run. */
  | 'empty'
  /** The session must not go on here (a failure waits on a timer, the session has a new owner). */
  | 'stopped';

/** How a slice ended: like `SliceStep`, with `yielded` when the slice was used up or the queue is closing. */
export type SliceEnd = 'yielded' | 'empty' | 'stopped';

/** How to run one slice of a session's turns. */
export interface SliceOptions {
  /** Steps at most, before the session yields to the others. */
  turnsPerSlice: number;
  /** True once the queue is closing: no further step starts. */
  isClosing(): boolean;
  /** Deals with the session's head turn. */
  step(): Promise<SliceStep>;
}

/**
 * Runs up to `turnsPerSlice` steps of one session, one after another. Both queues put a session that
 * `yielded` back at the end of the line, so a chatty session cannot starve the quiet ones.
 */
export async function runSlice({ turnsPerSlice, isClosing, step }: SliceOptions): Promise<SliceEnd> {
  for (let done = 0; done < turnsPerSlice && !isClosing(); done++) {
    const outcome = await step();
    if (outcome !== 'processed') return outcome;
  }
  return 'yielded';
}
