import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/app/errors.ts';
import {
  type StreamCompletionOptions,
  type StreamReader,
  streamCompletion,
} from '../../../src/model/stream-completion.ts';

// The shared stream life of both openai-SDK clients, driven with in-memory streams that behave like the SDK's:
// they end quietly when their signal aborts.

/** A test event: reply text to pass on, or an error the reader throws when it reads it. */
interface TestEvent {
  delta?: string;
  fail?: Error;
}

/** Resolves after `ms`, or early (to false) when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(false);
      },
      { once: true },
    );
  });
}

/** Yields `events` `gapMs` apart; with `hang`, then stays silent until aborted. Ends quietly on abort. */
async function* eventStream(
  signal: AbortSignal,
  events: TestEvent[],
  { gapMs = 0, hang = false }: { gapMs?: number; hang?: boolean } = {},
): AsyncGenerator<TestEvent> {
  for (const event of events) {
    if (gapMs > 0 && !(await pause(gapMs, signal))) return;
    if (signal.aborted) return;
    yield event;
  }
  if (hang) await pause(60_000, signal);
}

/** A reader that concatenates deltas; `finishWith` is emitted from `finish` (the Responses fallback's path). */
function textReader(finishWith?: string): StreamReader<TestEvent, string> & { seen: TestEvent[] } {
  const seen: TestEvent[] = [];
  let text = '';
  return {
    seen,
    read(event, emit) {
      seen.push(event);
      if (event.fail) throw event.fail;
      if (event.delta !== undefined) {
        text += event.delta;
        emit(event.delta);
      }
    },
    finish(emit) {
      if (finishWith !== undefined) {
        emit(finishWith);
        text += finishWith;
      }
      return text;
    },
  };
}

/** Options over a stream of `events`; `opened` records the signal the request was sent with. */
function setup(
  events: TestEvent[],
  overrides: Partial<StreamCompletionOptions<TestEvent>> & { gapMs?: number; hang?: boolean } = {},
) {
  const deltas: string[] = [];
  const failures: ModelError[] = [];
  const opened: AbortSignal[] = [];
  const { gapMs, hang, ...rest } = overrides;
  const options: StreamCompletionOptions<TestEvent> = {
    open: async (signal) => {
      opened.push(signal);
      return eventStream(signal, events, { gapMs, hang });
    },
    signal: undefined,
    onDelta: (delta) => deltas.push(delta),
    timeoutMs: 1_000,
    endpoint: 'models.example',
    redact: (text) => text.replaceAll('hunter2', '[redacted]'),
    onFailure: (error) => failures.push(error),
    ...rest,
  };
  return { options, deltas, failures, opened };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('streamCompletion', () => {
  it("feeds every event to the reader in order, passes deltas on and returns the reader's reply", async () => {
    const { options, deltas, failures } = setup([{ delta: 'Hel' }, {}, { delta: 'lo' }]);
    const reader = textReader('!');
    await expect(streamCompletion(options, reader)).resolves.toBe('Hello!');
    expect(reader.seen).toHaveLength(3);
    expect(deltas).toEqual(['Hel', 'lo', '!']);
    expect(failures).toEqual([]);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const outer = new AbortController();
    outer.abort(new Error('shutting down'));
    const { options, opened, failures } = setup([{ delta: 'x' }], { signal: outer.signal });
    const error = await rejection(streamCompletion(options, textReader()));
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).isRetryable).toBe(true);
    expect((error as ModelError).message).toMatch(/aborted/);
    expect(opened).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('aborts the request when the caller aborts mid-stream, instead of returning half the reply', async () => {
    const outer = new AbortController();
    const reason = new Error('shutting down');
    const { options, opened, failures } = setup([{ delta: 'half' }], { signal: outer.signal, hang: true });
    const pending = streamCompletion(options, textReader());
    setTimeout(() => outer.abort(reason), 20);
    const error = (await rejection(pending)) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toMatch(/aborted/);
    expect(error.isRetryable).toBe(true);
    expect(error.cause).toBe(reason);
    expect(opened[0]!.aborted).toBe(true);
    expect(failures).toEqual([error]);
  });

  it('fails a stream that goes quiet for longer than the timeout, and aborts it', async () => {
    const { options, opened, failures } = setup([{ delta: 'so far' }], { timeoutMs: 40, hang: true });
    const started = Date.now();
    const error = (await rejection(streamCompletion(options, textReader()))) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toBe('The model stream from models.example stalled for 40 ms');
    expect(error.isRetryable).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(opened[0]!.aborted).toBe(true);
    expect(failures).toEqual([error]);
  });

  it('restarts the stall timer on every event, so a slow but steady stream completes', async () => {
    const events = Array.from({ length: 6 }, () => ({ delta: '.' }));
    const { options } = setup(events, { timeoutMs: 60, gapMs: 25 });
    await expect(streamCompletion(options, textReader())).resolves.toBe('......');
  });

  it('leaves the request alone once it is done: no late stall abort, no reaction to a later caller abort', async () => {
    const outer = new AbortController();
    const { options, opened } = setup([{ delta: 'done' }], { signal: outer.signal, timeoutMs: 20 });
    await streamCompletion(options, textReader());
    await new Promise((resolve) => setTimeout(resolve, 50));
    outer.abort();
    expect(opened[0]!.aborted).toBe(false);
  });

  it('stops the stall timer when the reply fails too', async () => {
    const refused = new ModelError('The endpoint refused', { isRetryable: false });
    const { options, opened } = setup([{ fail: refused }], { timeoutMs: 20 });
    await rejection(streamCompletion(options, textReader()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(opened[0]!.aborted).toBe(false);
  });

  it('passes an error thrown by onDelta back unchanged, stops reading and aborts the stream', async () => {
    const thrown = new Error('the platform rejected the edit');
    const { options, opened, failures } = setup([{ delta: 'a' }, { delta: 'b' }], {
      onDelta: () => {
        throw thrown;
      },
    });
    const reader = textReader();
    expect(await rejection(streamCompletion(options, reader))).toBe(thrown);
    expect(reader.seen).toHaveLength(1);
    expect(opened[0]!.aborted).toBe(true);
    expect(failures).toEqual([]);
  });

  it('recognises even a non-error value thrown by onDelta, also from finish', async () => {
    const { options, failures } = setup([], {
      onDelta: () => {
        throw undefined;
      },
    });
    expect(await rejection(streamCompletion(options, textReader('from the final response')))).toBeUndefined();
    expect(failures).toEqual([]);
  });

  it("lets a reader's ModelError through as it is", async () => {
    const refused = new ModelError('The endpoint refused', { isRetryable: false });
    const { options, failures } = setup([{ delta: 'a' }, { fail: refused }]);
    expect(await rejection(streamCompletion(options, textReader()))).toBe(refused);
    expect(failures).toEqual([refused]);
  });

  it('maps anything else that breaks the stream to a retryable ModelError, redacted', async () => {
    const { options, failures } = setup([{ fail: new Error('socket closed, key hunter2') }]);
    const error = (await rejection(streamCompletion(options, textReader()))) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('models.example');
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain('hunter2');
    expect(failures).toEqual([error]);
  });

  it('maps a request that fails to open the same way', async () => {
    const { options } = setup([], {
      open: () => Promise.reject(new Error('terminated')),
    });
    const error = (await rejection(streamCompletion(options, textReader()))) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toMatch(/broke off: terminated/);
  });

  it("tries the client's own mapping first and falls back to the shared one when it declines", async () => {
    const special = new ModelError('the chain is gone', { isRetryable: false });
    const seen: unknown[] = [];
    const broken = new Error('not found');
    const claimed = setup([{ fail: broken }], {
      mapError: (error) => {
        seen.push(error);
        return special;
      },
    });
    expect(await rejection(streamCompletion(claimed.options, textReader()))).toBe(special);
    expect(seen).toEqual([broken]);
    expect(claimed.failures).toEqual([special]);

    const declined = setup([{ fail: broken }], { mapError: () => undefined });
    const error = (await rejection(streamCompletion(declined.options, textReader()))) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error).not.toBe(special);
    expect(error.cause).toBe(broken);
  });

  it("fails the reply when the reader's finish does", async () => {
    const unfinished = new ModelError('ended before the reply was finished', { isRetryable: true });
    const { options, failures } = setup([{ delta: 'partial' }]);
    const reader: StreamReader<TestEvent, string> = {
      read: () => {},
      finish: () => {
        throw unfinished;
      },
    };
    expect(await rejection(streamCompletion(options, reader))).toBe(unfinished);
    expect(failures).toEqual([unfinished]);
  });
});
