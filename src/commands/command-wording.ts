import { COMMAND_NAMES } from '../turn/turn.ts';
import type { CommandInvocation } from './command-invocation.ts';

/**
 * Commands answer where they are run. In Slack and Discord a command acts on a channel (its threads follow
 * it) and is typed without a slash in a mention; in the terminal chat there is one conversation and no
 * threads, and commands are typed with their `/`.
 */
export interface CommandWording {
  /** The answer goes to the terminal chat. */
  terminal: boolean;
  /** What the persona, budgets and `forget` act on: `this channel` or `this conversation`. */
  scope: string;
  /** A command as the user types it here, in backticks: `` `forget confirm` `` or `` `/forget confirm` ``. */
  command(text: string): string;
}

/** The wording for the platform the command was run on. */
export function wordingOf(invocation: CommandInvocation): CommandWording {
  const terminal = invocation.turn.target.platform === 'console';
  return {
    terminal,
    scope: terminal ? 'this conversation' : 'this channel',
    command: (text) => `\`${terminal ? '/' : ''}${text}\``,
  };
}

/** Channel wording of the help and what it says in the terminal, most specific first. */
const TERMINAL_PHRASES: Array<[RegExp, string]> = [
  [/ \(in a thread: for the thread\)/g, ''],
  [/this conversation, this channel and you/g, 'this conversation and you'],
  [/download this conversation as JSON/g, 'save this conversation as a JSON file (in the export folder)'],
  [/ \(threads included\)/g, ''],
  [/this channel/g, 'this conversation'],
];

/** What `help` adds in the terminal: the commands that exist only there. */
const TERMINAL_ONLY = [
  '• `/attach <path>` — send a file (image, PDF, text) with your next message',
  '• `/help` — this list',
  '• `/exit` — leave the chat (Ctrl-D does too; Ctrl-C stops an answer, twice quits)',
];

/**
 * The help as the terminal shows it: every command of `help` with its `/` (a backticked text that starts with
 * a command's name), in the terminal's words, then the terminal's own commands.
 */
export function terminalHelp(help: string): string {
  const names = new Set<string>(COMMAND_NAMES);
  const lines = help.split('\n').map((line) => {
    let worded = line.replace(/`([a-z]+)([^`]*)`/g, (whole, name: string, rest: string) =>
      names.has(name) ? `\`/${name}${rest}\`` : whole,
    );
    for (const [phrase, replacement] of TERMINAL_PHRASES) worded = worded.replace(phrase, replacement);
    return worded;
  });
  return [...lines, ...TERMINAL_ONLY].join('\n');
}
