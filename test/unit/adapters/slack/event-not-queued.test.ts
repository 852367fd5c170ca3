import { MultipleListenerError, UnknownError } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { EnqueueTimeoutError } from '../../../../adapters/slack/enqueue-in-time.ts';
import { EventNotQueuedError, isEventNotQueued } from '../../../../adapters/slack/event-not-queued.ts';

describe('isEventNotQueued', () => {
  const notQueued = new EventNotQueuedError('Ev1', new EnqueueTimeoutError(2_000));

  it('recognises the error itself, and inside the wrappers Bolt may put around it', () => {
    expect(isEventNotQueued(notQueued)).toBe(true);
    expect(isEventNotQueued(new UnknownError(notQueued))).toBe(true);
    expect(isEventNotQueued(new MultipleListenerError([new Error('other'), notQueued]))).toBe(true);
  });

  it('leaves every other failure alone', () => {
    expect(isEventNotQueued(new Error('listener bug'))).toBe(false);
    expect(isEventNotQueued(new UnknownError(new Error('listener bug')))).toBe(false);
    expect(isEventNotQueued('a string')).toBe(false);
    expect(isEventNotQueued(undefined)).toBe(false);
  });

  it('keeps a code, so that Bolt passes it on unwrapped, and says why in its message', () => {
    expect(notQueued.code).toBe('parley_event_not_queued');
    expect(notQueued.message).toBe('Slack event Ev1 was not queued: the queue did not answer within 2000 ms');
  });
});
