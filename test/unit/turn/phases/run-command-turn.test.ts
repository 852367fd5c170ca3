import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../../src/app/errors.ts';
import { terminalHelp } from '../../../../src/commands/command-wording.ts';
import { COMMAND_HELP } from '../../../../src/commands/run-command.ts';
import { toStoredMessage } from '../../../../src/prompt/render-message.ts';
import { runCommandTurn } from '../../../../src/turn/phases/run-command-turn.ts';
import type { Turn } from '../../../../src/turn/turn.ts';
import { counter, makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

const command = (name: NonNullable<Turn['command']>['name'], args = ''): Turn =>
  makeTurn({ kind: 'command', text: '', command: { name, args } });

describe('runCommandTurn', () => {
  it('answers the invoker privately when the platform can, then commits', async () => {
    const deps = makeDependencies({ respond: true });
    await runCommandTurn(deps, makeJob(command('help')), deps.logger);
    // The fixtures' turns come from the terminal, whose help has its own words.
    expect(deps.channel.responses).toEqual([{ text: terminalHelp(COMMAND_HELP) }]);
    expect(deps.channel.events).toEqual([]);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(deps.metrics.events).toEqual([['turnDone', 'command', RECEIVED_AT]]);
    expect(deps.lines).toMatchObject([{ msg: 'command done', command: 'help' }]);
  });

  it('posts the answer in the conversation without a private channel, editing earlier posts', async () => {
    const deps = makeDependencies();
    const previous = [{ channelId: 'c', messageId: 'm1' }];
    await runCommandTurn(deps, makeJob(command('help'), { previousReplies: previous }), deps.logger);
    expect(deps.channel.opened[0]!.options.previous).toBe(previous);
    expect(deps.channel.events).toEqual([
      { kind: 'finish', text: terminalHelp(COMMAND_HELP), details: { isError: false } },
    ]);
  });

  it("commits what the command changed, in the session's order", async () => {
    const deps = makeDependencies({ respond: true });
    await deps.store.commitTurn('console:s', {
      seq: 1,
      messages: [toStoredMessage({ role: 'user', content: 'hi', at: 1 }, counter)],
    });
    await runCommandTurn(deps, makeJob(command('reset'), { seq: 2 }), deps.logger);
    expect(await deps.store.count('console:s')).toBe(0);
    expect(await deps.store.committedSeq('console:s')).toBe(2);
  });

  it('gives admin commands to admins only', async () => {
    const deps = makeDependencies({
      respond: true,
      overrides: { admin: { users: ['BOSS'], commands: ['persona'] } },
    });
    await runCommandTurn(deps, makeJob(command('persona', 'Be a pirate.')), deps.logger);
    expect(deps.channel.responses[0]!.text).toMatch(/^Only admins can use `persona`/);
    expect((await deps.store.getMeta('console:s')).persona).toBeUndefined();
  });

  it('stamps the command with the clock', async () => {
    const deps = makeDependencies({ respond: true, overrides: { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) } });
    await runCommandTurn(deps, makeJob(command('export')), deps.logger);
    expect(deps.channel.responses[0]!.file!.content).toContain('"exportedAt": "2026-01-02T03:04:05.000Z"');
  });

  it('commits when the answer cannot be sent, then retries only the answer, never the command', async () => {
    const deps = makeDependencies({ respond: true });
    await deps.store.setMeta('console:s', { summary: 'old summary' });
    deps.channel.failResponds(1);
    let summaryDrops = 0;
    const setMeta = deps.store.setMeta.bind(deps.store);
    deps.store.setMeta = async (sessionId, patch) => {
      if (patch.summary === null) summaryDrops += 1;
      await setMeta(sessionId, patch);
    };
    await runCommandTurn(deps, makeJob(command('memory', 'clear')), deps.logger);
    expect(summaryDrops).toBe(1);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(deps.channel.responses.map((response) => response.text)).toEqual([
      'The summary of older messages was dropped; recent messages are still remembered.',
    ]);
    expect(deps.metrics.events).toEqual([
      ['error', 'platform'],
      ['turnDone', 'command', RECEIVED_AT],
    ]);
    expect(deps.lines.map((line) => line.msg)).toEqual([
      'could not post the command answer; trying again',
      'posted the command answer on a later attempt',
      'command done',
    ]);
  });

  it('commits without retrying an answer the platform refuses for good', async () => {
    const deps = makeDependencies();
    deps.channel.failFinishes(1, new PlatformError('slack', 'channel_not_found', { isRetryable: false }));
    await runCommandTurn(deps, makeJob(command('help')), deps.logger);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(deps.channel.finishedTexts()).toHaveLength(1);
  });

  it('refuses a platform this worker does not serve before running the command', async () => {
    const deps = makeDependencies({ overrides: { replyChannels: {} } });
    await deps.store.setMeta('console:s', { persona: 'pirate' });
    await expect(runCommandTurn(deps, makeJob(command('persona', 'reset')), deps.logger)).rejects.toThrow(
      'no reply channel',
    );
    expect((await deps.store.getMeta('console:s')).persona).toBe('pirate');
    expect(await deps.store.committedSeq('console:s')).toBe(0);
  });

  it('does not count a command turn that another run already committed', async () => {
    const deps = makeDependencies({ respond: true });
    await deps.store.commitTurn('console:s', { seq: 1, messages: [] });
    await runCommandTurn(deps, makeJob(command('help')), deps.logger);
    expect(deps.metrics.events).toEqual([]);
    expect(deps.lines).toMatchObject([{ msg: 'the command turn was already committed by another run' }]);
  });
});
