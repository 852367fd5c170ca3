import { describe, expect, it } from 'vitest';
import {
  createSessionTable,
  IDLE_SWEEP_INTERVAL_MS,
  IDLE_SWEEP_MIN_SESSIONS,
  inProcessTurnAttempts,
  rememberTurnId,
} from '../../../src/queue/in-process-session-table.ts';
import type { Turn } from '../../../src/turn/turn.ts';

const turn = { id: 't', sessionId: 's' } as Turn;

describe('rememberTurnId', () => {
  it('accepts an id once', () => {
    const seen = new Map<string, number>();
    expect(rememberTurnId(seen, 'a')).toBe(true);
    expect(rememberTurnId(seen, 'a')).toBe(false);
    expect(rememberTurnId(seen, 'b')).toBe(true);
  });

  it('keeps only the latest ids, forgetting the oldest first', () => {
    const seen = new Map<string, number>();
    for (const id of ['a', 'b', 'c', 'd']) rememberTurnId(seen, id, 3);
    expect([...seen.keys()]).toEqual(['b', 'c', 'd']);
    expect(rememberTurnId(seen, 'a', 3)).toBe(true);
    expect(rememberTurnId(seen, 'd', 3)).toBe(false);
  });
});

describe('createSessionTable', () => {
  /** A table with `count` sessions, all last active at time 0, on a clock the test moves. */
  function tableWith(count: number, dedupWindowMs = 1_000) {
    const clock = { now: 0 };
    const table = createSessionTable(dedupWindowMs, () => clock.now);
    for (let index = 0; index < count; index++) table.stateOf(`s${index}`);
    return { table, clock };
  }

  it('creates a session once and hands back the same one', () => {
    const { table } = tableWith(0);
    expect(table.get('a')).toBeUndefined();
    const session = table.stateOf('a');
    expect(table.stateOf('a')).toBe(session);
    expect(table.get('a')).toBe(session);
  });

  it('counts waiting turns across sessions', () => {
    const { table } = tableWith(0);
    table.stateOf('a').entries.push({ seq: 1, turn }, { seq: 2, turn });
    table.stateOf('b').entries.push({ seq: 1, turn });
    expect(table.pendingCount()).toBe(3);
  });

  it('forgets idle sessions past the window, keeping busy, scheduled and recent ones', () => {
    const { table, clock } = tableWith(IDLE_SWEEP_MIN_SESSIONS);
    table.stateOf('s1').entries.push({ seq: 1, turn });
    table.stateOf('s2').scheduled = true;
    clock.now = 2_000;
    table.stateOf('s3').lastActivity = 1_500;
    table.forgetIdle();
    expect(table.get('s0')).toBeUndefined();
    expect(table.get('s4')).toBeUndefined();
    expect(table.get('s1')).toBeDefined();
    expect(table.get('s2')).toBeDefined();
    expect(table.get('s3')).toBeDefined();
  });

  it('does not bother while there are few sessions', () => {
    const { table, clock } = tableWith(IDLE_SWEEP_MIN_SESSIONS - 1);
    clock.now = 2_000;
    table.forgetIdle();
    expect(table.get('s0')).toBeDefined();
  });

  it('sweeps at most once per interval', () => {
    const { table, clock } = tableWith(IDLE_SWEEP_MIN_SESSIONS + 1);
    clock.now = 2_000;
    table.forgetIdle();
    expect(table.get('s0')).toBeUndefined();
    // Back above the threshold with idle sessions, but within the interval of the last sweep.
    for (let index = 0; index < IDLE_SWEEP_MIN_SESSIONS; index++) table.stateOf(`n${index}`).lastActivity = 0;
    clock.now = 2_000 + IDLE_SWEEP_INTERVAL_MS - 1;
    table.forgetIdle();
    expect(table.get('n0')).toBeDefined();
    clock.now = 2_000 + IDLE_SWEEP_INTERVAL_MS;
    table.forgetIdle();
    expect(table.get('n0')).toBeUndefined();
  });
});

describe('inProcessTurnAttempts', () => {
  it('counts runs of the head turn on the session and hands back what was recorded', async () => {
    const session = createSessionTable(1_000).stateOf('a');
    const attempts = inProcessTurnAttempts(session);
    expect(await attempts.begin(1)).toEqual({ attempt: 1, previousReplies: [] });
    const posted = [{ channelId: 'c', messageId: 'm1' }];
    await attempts.record(1, posted);
    posted.push({ channelId: 'c', messageId: 'm2' });
    // A copy: the processor's later changes to its own array are not recorded behind our back.
    expect(await attempts.begin(1)).toEqual({
      attempt: 2,
      previousReplies: [{ channelId: 'c', messageId: 'm1' }],
    });
    expect(session.attempts).toBe(2);
  });
});
