import { describe, expect, it } from 'vitest';
import { COMMAND_GIVE_UP_TEXT, GIVE_UP_TEXT, giveUpTurn } from '../../../../src/turn/phases/give-up-turn.ts';
import { pendingMessages } from '../../../../src/turn/phases/load-turn.ts';
import { makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

const turn = makeTurn({
  scopeId: 'console:chan',
  context: [{ author: { id: 'U2', name: 'Bob' }, fromBot: false, text: 'earlier', at: 1 }],
});
const command = makeTurn({ kind: 'command', text: '', command: { name: 'forget', args: 'confirm' } });

describe('giveUpTurn', () => {
  it('tells the user and commits the message (with its context) without a reply', async () => {
    const deps = makeDependencies();
    const pending = await pendingMessages(deps, turn);
    const previous = [{ channelId: 'c', messageId: 'm1' }];
    const job = makeJob(turn, { attempt: 4, maxAttempts: 3, previousReplies: previous });
    await giveUpTurn(deps, job, { log: deps.logger });
    expect(deps.channel.events).toEqual([{ kind: 'finish', text: GIVE_UP_TEXT, details: { isError: true } }]);
    expect(deps.channel.opened[0]!.options.previous).toEqual(previous);
    expect(await deps.store.load('console:s')).toEqual([...pending.seeded, pending.userMessage]);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(await deps.store.sessionsInScope('console:chan')).toContain('console:s');
    expect(deps.metrics.events).toEqual([['turnDone', 'gave_up', RECEIVED_AT]]);
    expect(deps.lines[0]).toMatchObject({ msg: 'giving up on a turn that keeps failing', attempt: 4 });
    expect(deps.model.requests).toHaveLength(0);
  });

  it('keeps a message listened to, silently, and commits an edit or delete without a change', async () => {
    const deps = makeDependencies();
    const listened = makeTurn({ kind: 'listen', text: 'by the way', messageRef: 'l1' });
    await giveUpTurn(deps, makeJob(listened, { attempt: 4 }), { log: deps.logger });
    const edit = makeTurn({ kind: 'edit', text: 'changed', targetRef: 'l1' });
    await giveUpTurn(deps, makeJob(edit, { seq: 2, attempt: 4 }), { log: deps.logger });
    expect(deps.channel.events).toEqual([]);
    expect(await deps.store.load('console:s')).toMatchObject([{ content: 'by the way', ref: 'l1' }]);
    expect(await deps.store.committedSeq('console:s')).toBe(2);
  });

  it('logs the error the last run failed with', async () => {
    const deps = makeDependencies();
    await giveUpTurn(deps, makeJob(turn, { attempt: 3 }), { log: deps.logger, error: new Error('boom') });
    expect(deps.lines[0]).toMatchObject({ attempt: 3, err: { message: 'boom' } });
  });

  it('settles the turn even when the platform cannot be told', async () => {
    const deps = makeDependencies();
    deps.channel.failFinishes(1);
    await giveUpTurn(deps, makeJob(turn, { attempt: 4 }), { log: deps.logger });
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(deps.lines.map((line) => line.msg)).toContain('could not report the skipped turn');
    expect(deps.metrics.events).toContainEqual(['error', 'platform']);
  });

  it('settles the turn on a worker without a reply channel for its platform', async () => {
    const deps = makeDependencies({ overrides: { replyChannels: {} } });
    await giveUpTurn(deps, makeJob(turn, { attempt: 3 }), { log: deps.logger });
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(deps.lines[1]).toMatchObject({
      msg: 'cannot report the skipped turn: this worker has no reply channel for its platform',
      platform: 'console',
    });
  });

  it('tells the invoker of a command privately and commits the command without its effect', async () => {
    const deps = makeDependencies({ respond: true });
    await giveUpTurn(deps, makeJob(command, { attempt: 3 }), { log: deps.logger });
    expect(deps.channel.responses).toEqual([{ text: COMMAND_GIVE_UP_TEXT }]);
    expect(deps.channel.events).toEqual([]);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(await deps.store.count('console:s')).toBe(0);
    expect(deps.metrics.events).toEqual([['turnDone', 'gave_up', RECEIVED_AT]]);
  });

  it('posts a skipped command in the conversation where there is no private channel', async () => {
    const deps = makeDependencies();
    await giveUpTurn(deps, makeJob(command, { attempt: 3 }), { log: deps.logger });
    expect(deps.channel.events).toEqual([
      { kind: 'finish', text: COMMAND_GIVE_UP_TEXT, details: { isError: true } },
    ]);
  });
});
