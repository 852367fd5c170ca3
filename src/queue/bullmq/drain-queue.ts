import type { Queue } from 'bullmq';

/** Name of the BullMQ queue of drain jobs (its keys live under `drainQueuePrefix`). */
export const DRAIN_QUEUE_NAME = 'turns';

/** Payload of a drain job: which session's mailbox to drain. */
export interface DrainData {
  /** The session to drain. */
  sessionId: string;
}

/**
 * Asks for a drain of the session (DESIGN §3, step 2). One wake-up per session at a time: a wake-up that arrives
 * while the drain is active is kept and requeued when it finishes (`keepLastIfActive`); without that, turns pushed
 * during a drain's last look would wait for the sweeper.
 */
export async function wakeSession(queue: Queue<DrainData>, sessionId: string): Promise<void> {
  await queue.add(
    'drain',
    { sessionId },
    {
      deduplication: { id: `sess-${sessionId}`, keepLastIfActive: true },
      removeOnComplete: true,
      removeOnFail: true,
    },
  );
}
