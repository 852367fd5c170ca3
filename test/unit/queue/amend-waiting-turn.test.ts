import { describe, expect, it } from 'vitest';
import { amendmentOf, amendWaitingTurn } from '../../../src/queue/amend-waiting-turn.ts';
import type { Turn } from '../../../src/turn/turn.ts';

const turn = (id: string, fields: Partial<Turn> = {}) =>
  ({ id, sessionId: 'a', kind: 'message', messageRef: id, text: id, ...fields }) as Turn;
const queued = (...turns: Turn[]) => turns.map((waiting, index) => ({ seq: index + 1, turn: waiting }));
const texts = (entries: Array<{ seq: number; turn: Turn }>) =>
  entries.map((entry) => `${entry.seq}:${entry.turn.text}`);

describe('amendmentOf', () => {
  it('is set for edits and deletes with a target only', () => {
    expect(amendmentOf(turn('e', { kind: 'edit', targetRef: 'm', text: 'new' }))).toEqual({
      action: 'edit',
      targetRef: 'm',
      text: 'new',
    });
    expect(amendmentOf(turn('d', { kind: 'delete', targetRef: 'm', text: '' }))?.action).toBe('delete');
    expect(amendmentOf(turn('e', { kind: 'edit' }))).toBeUndefined();
    expect(amendmentOf(turn('m', { targetRef: 'x' }))).toBeUndefined();
  });
});

describe('amendWaitingTurn', () => {
  it('edits the newest waiting message or listen turn with the ref, keeping its seq and the rest', () => {
    const entries = queued(turn('h'), turn('m'), turn('l', { kind: 'listen', messageRef: 'm' }), turn('z'));
    expect(amendWaitingTurn(entries, turn('e', { kind: 'edit', targetRef: 'm', text: 'new' }))).toBe(true);
    expect(texts(entries)).toEqual(['1:h', '2:m', '3:new', '4:z']);
    expect(entries[2]?.turn).toMatchObject({ id: 'l', kind: 'listen', messageRef: 'm' });
  });

  it('deletes the waiting turn, leaving a gap in the seqs', () => {
    const entries = queued(turn('h'), turn('m'), turn('z'));
    expect(amendWaitingTurn(entries, turn('d', { kind: 'delete', targetRef: 'm', text: '' }))).toBe(true);
    expect(texts(entries)).toEqual(['1:h', '3:z']);
  });

  it('leaves the head, other kinds, unknown refs and ordinary turns alone', () => {
    const entries = queued(turn('h'), turn('c', { kind: 'command' }), turn('r', { kind: 'reset' }));
    for (const amending of [
      turn('e1', { kind: 'edit', targetRef: 'h', text: 'x' }),
      turn('e2', { kind: 'edit', targetRef: 'c', text: 'x' }),
      turn('d1', { kind: 'delete', targetRef: 'r', text: '' }),
      turn('d2', { kind: 'delete', targetRef: 'unknown', text: '' }),
      turn('m', { targetRef: 'c' }),
    ]) {
      expect(amendWaitingTurn(entries, amending)).toBe(false);
    }
    expect(texts(entries)).toEqual(['1:h', '2:c', '3:r']);
  });
});
