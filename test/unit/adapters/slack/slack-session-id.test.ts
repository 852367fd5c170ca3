import { describe, expect, it } from 'vitest';
import {
  conversationOf,
  parseSlackSessionId,
  slackScopeId,
  slackSessionId,
} from '../../../../adapters/slack/slack-session-id.ts';

describe('Slack session ids', () => {
  it('round-trips threads and DMs', () => {
    const thread = { team: 'T1', channel: 'C1', threadTs: '1700000000.000100' };
    expect(slackSessionId(thread)).toBe('slack:T1:C1:1700000000.000100');
    expect(parseSlackSessionId(slackSessionId(thread))).toEqual(thread);
    expect(slackSessionId({ team: 'T1', channel: 'D1' })).toBe('slack:T1:D1');
    expect(parseSlackSessionId('slack:T1:D1')).toEqual({ team: 'T1', channel: 'D1' });
  });

  it('rejects ids of other platforms or unsafe parts', () => {
    expect(() => parseSlackSessionId('discord:dm:1')).toThrow();
    expect(() => parseSlackSessionId('slack:T1:C1:1.2:extra')).toThrow();
    expect(() => slackSessionId({ team: 'T1', channel: 'C{1}' })).toThrow();
  });

  it('answers channel mentions in a thread and DMs at their level', () => {
    expect(conversationOf({ team: 'T', channel: 'C', ts: '2.0', isDirectMessage: false })).toEqual({
      team: 'T',
      channel: 'C',
      threadTs: '2.0',
    });
    expect(
      conversationOf({ team: 'T', channel: 'C', ts: '2.0', threadTs: '1.0', isDirectMessage: false }),
    ).toEqual({
      team: 'T',
      channel: 'C',
      threadTs: '1.0',
    });
    expect(conversationOf({ team: 'T', channel: 'D', ts: '2.0', isDirectMessage: true })).toEqual({
      team: 'T',
      channel: 'D',
    });
    expect(
      conversationOf({ team: 'T', channel: 'D', ts: '2.0', threadTs: '1.0', isDirectMessage: true }),
    ).toEqual({
      team: 'T',
      channel: 'D',
      threadTs: '1.0',
    });
  });

  it('with the channel scope, puts every channel message in the channel session; DMs are unchanged', () => {
    const scope = 'channel' as const;
    expect(conversationOf({ team: 'T', channel: 'C', ts: '2.0', isDirectMessage: false, scope })).toEqual({
      team: 'T',
      channel: 'C',
    });
    expect(
      conversationOf({ team: 'T', channel: 'C', ts: '2.0', threadTs: '1.0', isDirectMessage: false, scope }),
    ).toEqual({ team: 'T', channel: 'C' });
    expect(
      conversationOf({ team: 'T', channel: 'D', ts: '2.0', threadTs: '1.0', isDirectMessage: true, scope }),
    ).toEqual({ team: 'T', channel: 'D', threadTs: '1.0' });
  });

  it('scopes a conversation to its channel or DM', () => {
    expect(slackScopeId({ team: 'T1', channel: 'C1', threadTs: '1.0' })).toBe('slack:T1:C1');
    expect(slackScopeId({ team: 'T1', channel: 'C1' })).toBe('slack:T1:C1');
    expect(slackScopeId({ team: 'T1', channel: 'D1', threadTs: '1.0' })).toBe('slack:T1:D1');
  });
});
