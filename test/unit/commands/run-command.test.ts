import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, MAX_PERSONA_LENGTH, runCommand } from '../../../src/commands/run-command.ts';
import { commandTurn, makeContext } from './command-fixtures.ts';

const admins = () => makeContext({ adminUsers: ['BOSS'], adminCommands: ['persona', 'forget'] });
const refusal = (name: string) => `Only admins can use \`${name}\` here. Ask one of them, or see \`help\`.`;

describe('runCommand', () => {
  it('runs the named command with its arguments trimmed, on the channel scope', async () => {
    const context = makeContext();
    await runCommand(commandTurn('persona', '  Be brief.  '), 3, context);
    expect((await context.store.getMeta('console:chan')).persona).toBe('Be brief.');
  });

  it("uses the session as the scope of a turn without one, and the turn's seq", async () => {
    const context = makeContext();
    const outcome = await runCommand(commandTurn('persona', 'Hi', { scopeId: undefined }), 9, context);
    expect(outcome.commit).toEqual({ seq: 9, messages: [], scopeId: 'console:thread' });
    expect((await context.store.getMeta('console:thread')).persona).toBe('Hi');
  });

  it('answers with the help without a command', async () => {
    const outcome = await runCommand(commandTurn('help', '', { command: undefined }), 1, makeContext());
    expect(outcome.response.text).toBe(COMMAND_HELP);
  });

  it('keeps changes reserved to admins when admins are named', async () => {
    const context = admins();
    expect((await runCommand(commandTurn('persona', 'pirate'), 1, context)).response.text).toBe(
      refusal('persona'),
    );
    expect((await runCommand(commandTurn('forget', 'Confirm'), 2, context)).response.text).toBe(
      refusal('forget'),
    );
    expect((await context.store.getMeta('console:chan')).persona).toBeUndefined();

    const boss = { author: { id: 'BOSS', name: 'Boss' } };
    await runCommand(commandTurn('persona', 'pirate', boss), 3, context);
    expect((await context.store.getMeta('console:chan')).persona).toBe('pirate');
  });

  it('lets anyone look, be asked to confirm, or run commands not reserved', async () => {
    const context = admins();
    expect((await runCommand(commandTurn('persona'), 1, context)).response.text).toContain(
      'default system prompt',
    );
    expect((await runCommand(commandTurn('forget'), 2, context)).response.text).toContain('forget confirm');
    expect((await runCommand(commandTurn('reset'), 3, context)).commit.clear).toBe(true);
  });

  it("lets the platform's own admins change things, named or not", async () => {
    const context = admins();
    const owner = { author: { id: 'OWNER', name: 'Owner', isPlatformAdmin: true } };
    await runCommand(commandTurn('persona', 'pirate', owner), 1, context);
    expect((await context.store.getMeta('console:chan')).persona).toBe('pirate');
    const unnamed = makeContext({ adminCommands: ['persona'] });
    await runCommand(commandTurn('persona', 'parrot', owner), 2, unnamed);
    expect((await unnamed.store.getMeta('console:chan')).persona).toBe('parrot');
  });

  it('refuses changes to people who are not admins even when no admins are named', async () => {
    const context = makeContext({ adminCommands: ['persona', 'forget'] });
    const member = { author: { id: 'U1', name: 'Alice', isPlatformAdmin: false } };
    expect((await runCommand(commandTurn('persona', 'pirate', member), 1, context)).response.text).toBe(
      refusal('persona'),
    );
    // A turn queued before adapters said (no `isPlatformAdmin`) is not an admin's either.
    expect((await runCommand(commandTurn('forget', 'confirm'), 2, context)).response.text).toBe(
      refusal('forget'),
    );
    expect((await context.store.getMeta('console:chan')).persona).toBeUndefined();
  });

  it('still exports the persona limit the Discord command definitions use', () => {
    expect(MAX_PERSONA_LENGTH).toBe(4_000);
  });
});
