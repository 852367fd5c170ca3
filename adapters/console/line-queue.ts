/** Lines typed in the terminal, handed out one reader at a time. */
export interface LineQueue {
  /**
   * The next line, in the order readers asked; `undefined` at end of input, or when `signal` aborts first —
   * a reader that gives up leaves the line to the next one, so no line is lost.
   */
  next(signal?: AbortSignal): Promise<string | undefined>;
}

/**
 * Shares one line source between the chat loop and the questions asked while an answer is pending (a tool's
 * y/N): lines are pulled only while someone waits, and each goes to the earliest reader still waiting.
 */
export function createLineQueue(source: AsyncIterator<string>): LineQueue {
  const readers: Array<(line: string | undefined) => void> = [];
  const early: string[] = [];
  let ended = false;
  let pulling = false;
  const pump = async () => {
    if (pulling) return;
    pulling = true;
    try {
      while (readers.length > 0 && !ended) {
        const next = await source.next();
        if (next.done) ended = true;
        const reader = readers.shift();
        if (reader) reader(next.done ? undefined : next.value);
        else if (!next.done) early.push(next.value);
      }
      if (ended) for (const reader of readers.splice(0)) reader(undefined);
    } finally {
      pulling = false;
    }
  };
  return {
    next(signal) {
      const buffered = early.shift();
      if (buffered !== undefined) return Promise.resolve(buffered);
      if (ended || signal?.aborted) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const reader = (line: string | undefined) => {
          signal?.removeEventListener('abort', withdraw);
          resolve(line);
        };
        const withdraw = () => {
          const at = readers.indexOf(reader);
          if (at >= 0) readers.splice(at, 1);
          resolve(undefined);
        };
        signal?.addEventListener('abort', withdraw, { once: true });
        readers.push(reader);
        void pump();
      });
    },
  };
}
