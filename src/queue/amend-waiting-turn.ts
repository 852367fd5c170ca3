import type { Turn } from '../turn/turn.ts';

/*
 * An edit or delete of a message whose turn is still waiting changes that turn instead of queueing one more
 * (both queues; BullMQ does the same in enqueue-turn-3.lua). An edit gives the waiting turn the new text; a
 * delete takes it out of the mailbox, so it is never run and its seq is never committed. That leaves a gap in
 * the session's numbering, which both drains and the store accept: a turn runs when it is the head, and a
 * commit only needs a seq above the last committed one. The head is never changed, as it may be running
 * already: an edit or delete of it is queued as a turn of its own, for the processor to apply to what the
 * head committed. Only `message` and `listen` turns are changed, as their text is all there is to them; the
 * newest waiting one with the target's ref counts.
 */

/** Kinds of waiting turns an edit or delete changes in place. */
export const AMENDABLE_KINDS: readonly Turn['kind'][] = ['message', 'listen'];

/** A turn that edits or deletes an earlier message, as the queues apply it to a waiting turn. */
export interface Amendment {
  /** `edit`: the new text replaces the waiting turn's; `delete`: the waiting turn goes. */
  action: 'edit' | 'delete';
  /** `messageRef` of the turn to change. */
  targetRef: string;
  /** The new text (edits). */
  text: string;
}

/** The amendment an `edit` or `delete` turn with a `targetRef` makes; `undefined` for every other turn. */
export function amendmentOf(turn: Turn): Amendment | undefined {
  if ((turn.kind !== 'edit' && turn.kind !== 'delete') || turn.targetRef === undefined) return undefined;
  return { action: turn.kind, targetRef: turn.targetRef, text: turn.text };
}

/**
 * Applies `turn` to the waiting turn it edits or deletes, in place, if that one is waiting behind the head.
 * Returns whether it did; if not, `turn` is to be queued as usual.
 */
export function amendWaitingTurn(entries: Array<{ seq: number; turn: Turn }>, turn: Turn): boolean {
  const amendment = amendmentOf(turn);
  if (!amendment) return false;
  for (let index = entries.length - 1; index >= 0; index -= 1) {
    const entry = entries[index]!;
    if (entry.turn.messageRef !== amendment.targetRef || !AMENDABLE_KINDS.includes(entry.turn.kind)) continue;
    if (index === 0) return false;
    if (amendment.action === 'edit')
      entries[index] = { ...entry, turn: { ...entry.turn, text: amendment.text } };
    else entries.splice(index, 1);
    return true;
  }
  return false;
}
