import { describe, expect, it } from 'vitest';
import { COMMAND_HELP } from '../../../src/commands/command-handlers.ts';
import { terminalHelp } from '../../../src/commands/command-wording.ts';
import { COMMAND_NAMES } from '../../../src/turn/turn.ts';

describe('terminalHelp', () => {
  it('lists every command with its slash, in the words of the terminal', () => {
    const help = terminalHelp(COMMAND_HELP);
    for (const name of COMMAND_NAMES) expect(help).toContain(`\`/${name}`);
    for (const own of ['/attach <path>', '/help', '/exit']) expect(help).toContain(`\`${own}`);
    expect(help).not.toMatch(/this channel|thread|download/);
    // Only commands get a slash, not other backticked names.
    expect(terminalHelp('• `tools on <name>` — switch a `server.tool`')).toContain(
      '`/tools on <name>` — switch a `server.tool`',
    );
  });
});
