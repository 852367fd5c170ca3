/**
 * An event that did not reach the queue. Thrown by the message listener so that Bolt does not acknowledge it:
 * over HTTP Slack gets a 503, over Socket Mode no ack, and either way Slack delivers the event again.
 */
export class EventNotQueuedError extends Error {
  /** Bolt keeps errors with a `code` as they are (others it wraps), so the receivers can recognise it. */
  readonly code = 'parley_event_not_queued';

  constructor(eventId: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Slack event ${eventId ?? '(no id)'} was not queued: ${reason}`, { cause });
    this.name = 'EventNotQueuedError';
  }
}

/** Whether `error` (or, when Bolt wrapped it, an error inside) is an `EventNotQueuedError`. */
export function isEventNotQueued(error: unknown): boolean {
  if (error instanceof EventNotQueuedError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { original, originals } = error as { original?: unknown; originals?: unknown };
  if (original instanceof EventNotQueuedError) return true;
  return Array.isArray(originals) && originals.some((inner) => inner instanceof EventNotQueuedError);
}
