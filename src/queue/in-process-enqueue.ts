import type { Turn } from '../turn/turn.ts';
import { amendWaitingTurn } from './amend-waiting-turn.ts';
import { type InProcessSession, rememberTurnId } from './in-process-session-table.ts';
import type { EnqueueResult } from './turn-queue.ts';

/**
 * Adds a turn to its in-process session: de-duplicated on its id, numbered after the store's last committed seq.
 * An edit or delete of a turn still waiting behind the head changes that turn instead (see amend-waiting-turn.ts).
 * The caller schedules the session when the turn was accepted.
 */
export async function enqueueInProcess(
  session: InProcessSession,
  turn: Turn,
  committedSeq: (sessionId: string) => Promise<number>,
): Promise<EnqueueResult> {
  if (!rememberTurnId(session.seen, turn.id)) return { accepted: false, seq: undefined };
  // Only turns already numbered are looked at: one still waiting for its seq is not in `entries` yet, and an
  // edit of it is numbered after it, so it is applied to it later, in order.
  if (amendWaitingTurn(session.entries, turn)) {
    session.lastActivity = Date.now();
    return { accepted: true, seq: undefined, amendedQueued: true };
  }
  // Numbering continues from the store's last committed seq; the chain keeps concurrent enqueues ordered.
  const previous = session.nextSeq ?? committedSeq(turn.sessionId);
  const seqPromise = previous.then((last) => last + 1);
  session.nextSeq = seqPromise;
  let seq: number;
  try {
    seq = await seqPromise;
  } catch (error) {
    // Let the caller's retry through and look the committed seq up afresh.
    session.seen.delete(turn.id);
    session.nextSeq = undefined;
    throw error;
  }
  session.entries.push({ seq, turn });
  session.lastActivity = Date.now();
  return { accepted: true, seq };
}
