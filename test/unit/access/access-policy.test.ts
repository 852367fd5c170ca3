import { describe, expect, it } from 'vitest';
import { type AccessRules, createAccessPolicy } from '../../../src/access/access-policy.ts';
import { createGuardedSink } from '../../../src/access/guarded-sink.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { Turn } from '../../../src/turn/turn.ts';

const open: AccessRules = {
  allowedChannels: [],
  deniedChannels: [],
  allowedUsers: [],
  deniedUsers: [],
  allowedSlackWorkspaces: [],
  allowedDiscordGuilds: [],
  channelRepliesPerMinute: undefined,
};

function turn(overrides: Partial<Turn> = {}, target: Partial<Turn['target']> = {}): Turn {
  return {
    id: 'm1',
    sessionId: 'slack:T1:C1:1.1',
    scopeId: 'slack:T1:C1',
    kind: 'message',
    author: { id: 'U1', name: 'Alice' },
    text: 'hi',
    target: { platform: 'slack', channelId: 'C1', threadId: '1.1', workspaceId: 'T1', ...target },
    receivedAt: Date.UTC(2026, 10, 22, 23, 59),
    ...overrides,
  };
}

describe('access policy', () => {
  it('allows everything by default', () => {
    expect(createAccessPolicy(open).check(turn())).toEqual({ allowed: true });
  });

  it('applies user allow and deny lists', () => {
    expect(createAccessPolicy({ ...open, deniedUsers: ['U1'] }).check(turn()).allowed).toBe(false);
    expect(createAccessPolicy({ ...open, allowedUsers: ['U2'] }).check(turn()).allowed).toBe(false);
    expect(createAccessPolicy({ ...open, allowedUsers: ['U1'] }).check(turn()).allowed).toBe(true);
  });

  it('matches channels by channel, thread or the scope of a thread', () => {
    expect(createAccessPolicy({ ...open, deniedChannels: ['C1'] }).check(turn()).allowed).toBe(false);
    expect(createAccessPolicy({ ...open, allowedChannels: ['C2'] }).check(turn()).allowed).toBe(false);
    // A Discord thread is allowed through its parent channel (the scope's last part).
    const thread = turn(
      { sessionId: 'discord:G1:TH1', scopeId: 'discord:G1:CH1' },
      { platform: 'discord', channelId: 'TH1', threadId: undefined, workspaceId: 'G1' },
    );
    expect(createAccessPolicy({ ...open, allowedChannels: ['CH1'] }).check(thread).allowed).toBe(true);
  });

  it('limits Slack workspaces and Discord guilds, leaving Discord DMs alone', () => {
    expect(createAccessPolicy({ ...open, allowedSlackWorkspaces: ['T2'] }).check(turn()).allowed).toBe(false);
    expect(createAccessPolicy({ ...open, allowedSlackWorkspaces: ['T1'] }).check(turn()).allowed).toBe(true);
    const guild = turn({}, { platform: 'discord', workspaceId: 'G9' });
    expect(createAccessPolicy({ ...open, allowedDiscordGuilds: ['G1'] }).check(guild).allowed).toBe(false);
    const dm = turn({}, { platform: 'discord', workspaceId: undefined });
    expect(createAccessPolicy({ ...open, allowedDiscordGuilds: ['G1'] }).check(dm).allowed).toBe(true);
  });

  it('caps turns per channel per minute, commands aside', () => {
    let now = 0;
    const policy = createAccessPolicy({ ...open, channelRepliesPerMinute: 3 }, () => now);
    const results = Array.from({ length: 5 }, () => policy.check(turn()).allowed);
    expect(results).toEqual([true, true, true, false, false]);
    expect(policy.check(turn({ scopeId: 'slack:T1:C2' })).allowed).toBe(true);
    expect(policy.check(turn({ kind: 'command', command: { name: 'usage', args: '' } })).allowed).toBe(true);
    now = 61_000;
    expect(policy.check(turn()).allowed).toBe(true);
  });
});

describe('guarded sink', () => {
  it('drops denied turns before the queue and rotates sessions daily', async () => {
    const seen: Turn[] = [];
    const sink = createGuardedSink(
      {
        enqueue: async (t) => {
          seen.push(t);
          return { accepted: true, seq: seen.length };
        },
      },
      { access: { ...open, deniedUsers: ['U9'] }, sessionRotate: 'daily', logger: silentLogger },
    );
    expect(await sink.enqueue(turn({ author: { id: 'U9', name: 'Mallory' } }))).toEqual({
      accepted: false,
      seq: undefined,
      declined: 'user denied',
    });
    await sink.enqueue(turn());
    await sink.enqueue(turn({ receivedAt: Date.UTC(2026, 10, 23, 0, 1) }));
    expect(seen.map((t) => [t.sessionId, t.scopeId])).toEqual([
      ['slack:T1:C1:1.1:d20261122', 'slack:T1:C1'],
      ['slack:T1:C1:1.1:d20261123', 'slack:T1:C1'],
    ]);
  });
});
