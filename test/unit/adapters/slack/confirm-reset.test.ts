import { describe, expect, it } from 'vitest';
import { resetScopeOf } from '../../../../adapters/slack/confirm-reset.ts';
import type { Turn } from '../../../../src/turn/turn.ts';

function resetTurn(sessionId: string, channelId: string): Turn {
  return {
    id: `${channelId}:1.0`,
    sessionId,
    kind: 'reset',
    author: { id: 'U1', name: 'Ann' },
    text: '',
    target: { platform: 'slack', channelId, workspaceId: 'T1' },
    receivedAt: 0,
  };
}

describe('resetScopeOf', () => {
  it('names a thread session a thread, in channels and DMs alike', () => {
    expect(resetScopeOf(resetTurn('slack:T1:C1:1.0', 'C1'))).toBe('thread');
    expect(resetScopeOf(resetTurn('slack:T1:D1:1.0', 'D1'))).toBe('thread');
  });

  it('names a top-level session a DM or a channel by its channel id', () => {
    expect(resetScopeOf(resetTurn('slack:T1:D1', 'D1'))).toBe('dm');
    expect(resetScopeOf(resetTurn('slack:T1:C1', 'C1'))).toBe('channel');
  });
});
