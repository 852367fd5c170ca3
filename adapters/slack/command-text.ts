import { COMMAND_NAMES, type CommandName } from '../../src/turn/turn.ts';

/** A chat command as written: its name and everything after it. */
export interface ParsedCommand {
  /** The command. */
  name: CommandName;
  /** The rest of the text, trimmed (may be empty). */
  args: string;
}

const FIRST_WORD = /^\s*\/?([A-Za-z]+):?(?:\s+([\s\S]*))?$/;

/** Whether a word is one of the chat commands. */
export function isCommandName(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word);
}

/**
 * Reads `<command> [args]` (case-insensitive name, an optional leading `/` or trailing `:`): the way a
 * command is written after a mention of the bot, where slash commands cannot run. `undefined` when the first
 * word is not a command, so the text is an ordinary message.
 */
export function parseCommandText(text: string): ParsedCommand | undefined {
  const match = FIRST_WORD.exec(text);
  if (!match) return undefined;
  const name = match[1]!.toLowerCase();
  if (!isCommandName(name)) return undefined;
  return { name, args: (match[2] ?? '').trim() };
}

/**
 * Reads the text of the umbrella command `/parley <command> [args]`. Nothing → `help`; a first word that is
 * not a command → `help` with the whole text as args (the worker answers with the list of commands).
 */
export function parseUmbrellaText(text: string): ParsedCommand {
  const trimmed = text.trim();
  if (trimmed === '') return { name: 'help', args: '' };
  return parseCommandText(trimmed) ?? { name: 'help', args: trimmed };
}

/**
 * The command a slash command stands for: `/persona x` and `/parley-persona x` → `persona` with args `x`;
 * `/parley persona x` → the same through the umbrella. `undefined` for a slash command Parley does not own.
 */
export function parseSlashCommand(command: string, text: string): ParsedCommand | undefined {
  const name = command.trim().toLowerCase();
  if (name === '/parley') return parseUmbrellaText(text);
  const match = /^\/(?:parley-)?([a-z]+)$/.exec(name);
  if (!match || !isCommandName(match[1]!)) return undefined;
  return { name: match[1], args: text.trim() };
}
