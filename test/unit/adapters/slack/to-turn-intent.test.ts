import { describe, expect, it } from 'vitest';
import { intentOf, placementOf } from '../../../../adapters/slack/to-turn.ts';

const mentioned = { mentioned: true, isDirectMessage: false, fromBot: false };
const direct = { mentioned: false, isDirectMessage: true, fromBot: false };

describe('intentOf', () => {
  it('reads `reset` alone, addressed to the bot, as a reset', () => {
    expect(intentOf(' Reset ', mentioned)).toEqual({ kind: 'reset' });
    expect(intentOf('/reset', direct)).toEqual({ kind: 'reset' });
    expect(intentOf('reset', { ...mentioned, mentioned: false })).toEqual({ kind: 'message' });
  });

  it('reads a mention starting with a command as that command', () => {
    expect(intentOf('persona You are a pirate.', mentioned)).toEqual({
      kind: 'command',
      command: { name: 'persona', args: 'You are a pirate.' },
    });
  });

  it('keeps `reset` with more words, commands from bots and unmentioned commands as messages', () => {
    expect(intentOf('reset my password?', mentioned)).toEqual({ kind: 'message' });
    expect(intentOf('forget confirm', { ...mentioned, fromBot: true })).toEqual({ kind: 'message' });
    expect(intentOf('usage', direct)).toEqual({ kind: 'message' });
  });
});

describe('placementOf', () => {
  const message = { team: 'T1', channel: 'C1', ts: '2.0', isDirectMessage: false };

  it('answers a channel mention in its thread, the thread being the conversation', () => {
    expect(placementOf(message, false)).toEqual({
      conversation: { team: 'T1', channel: 'C1', threadTs: '2.0' },
      replyThreadTs: '2.0',
    });
  });

  it('still answers in the thread when the channel shares one conversation', () => {
    expect(placementOf({ ...message, threadTs: '1.0', scope: 'channel' }, false)).toEqual({
      conversation: { team: 'T1', channel: 'C1' },
      replyThreadTs: '1.0',
    });
  });

  it('acts on the channel, answering at the top level, for a top-level reset or command', () => {
    expect(placementOf(message, true)).toEqual({
      conversation: { team: 'T1', channel: 'C1' },
      replyThreadTs: undefined,
    });
  });

  it('keeps a reset or command inside a thread on that thread', () => {
    expect(placementOf({ ...message, threadTs: '1.0' }, true)).toEqual({
      conversation: { team: 'T1', channel: 'C1', threadTs: '1.0' },
      replyThreadTs: '1.0',
    });
  });

  it('answers a DM at its top level and a DM thread in that thread', () => {
    const dm = { team: 'T1', channel: 'D1', ts: '2.0', isDirectMessage: true };
    expect(placementOf(dm, true)).toEqual({
      conversation: { team: 'T1', channel: 'D1' },
      replyThreadTs: undefined,
    });
    expect(placementOf({ ...dm, threadTs: '1.0' }, false)).toEqual({
      conversation: { team: 'T1', channel: 'D1', threadTs: '1.0' },
      replyThreadTs: '1.0',
    });
  });
});
