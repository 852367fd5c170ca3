import { describe, expect, it } from 'vitest';
import {
  parseCommandText,
  parseSlashCommand,
  parseUmbrellaText,
} from '../../../../adapters/slack/command-text.ts';
import { SLASH_COMMAND } from '../../../../adapters/slack/slash-command.ts';
import { COMMAND_NAMES } from '../../../../src/turn/turn.ts';

describe('Slack command text', () => {
  it('reads "<command> [args]" after a mention, case-insensitively, with an optional / or :', () => {
    expect(parseCommandText('persona You are a pirate.')).toEqual({
      name: 'persona',
      args: 'You are a pirate.',
    });
    expect(parseCommandText('  MEMORY   clear ')).toEqual({ name: 'memory', args: 'clear' });
    expect(parseCommandText('/export')).toEqual({ name: 'export', args: '' });
    expect(parseCommandText('forget: confirm')).toEqual({ name: 'forget', args: 'confirm' });
    expect(parseCommandText('persona line one\nline two')).toEqual({
      name: 'persona',
      args: 'line one\nline two',
    });
  });

  it('leaves text whose first word is not exactly a command alone', () => {
    for (const text of ['', 'hello', 'usage?', 'exporting', 'what is my usage', 'persona:pirate', '//usage'])
      expect(parseCommandText(text)).toBeUndefined();
  });

  it('reads the umbrella: a command, help for nothing, help with the text for anything else', () => {
    expect(parseUmbrellaText('usage')).toEqual({ name: 'usage', args: '' });
    expect(parseUmbrellaText('reset')).toEqual({ name: 'reset', args: '' });
    expect(parseUmbrellaText('persona be brief')).toEqual({ name: 'persona', args: 'be brief' });
    expect(parseUmbrellaText('  ')).toEqual({ name: 'help', args: '' });
    expect(parseUmbrellaText('dance now')).toEqual({ name: 'help', args: 'dance now' });
  });

  it('maps every slash command name, short, prefixed and through /parley', () => {
    for (const name of COMMAND_NAMES) {
      expect(parseSlashCommand(`/${name}`, ' x ')).toEqual({ name, args: 'x' });
      expect(parseSlashCommand(`/parley-${name}`, '')).toEqual({ name, args: '' });
      expect(parseSlashCommand('/parley', `${name} y`)).toEqual({ name, args: 'y' });
      for (const command of [`/${name}`, `/parley-${name}`]) expect(SLASH_COMMAND.test(command)).toBe(true);
    }
    expect(SLASH_COMMAND.test('/parley')).toBe(true);
    expect(SLASH_COMMAND.test('/remind')).toBe(false);
    expect(SLASH_COMMAND.test('/parley-dance')).toBe(false);
    expect(parseSlashCommand('/remind', 'me')).toBeUndefined();
  });
});
