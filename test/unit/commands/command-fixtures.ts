import type { CommandContext, CommandInvocation } from '../../../src/commands/command-invocation.ts';
import type { HistoryStore } from '../../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import type { CommandName, Turn } from '../../../src/turn/turn.ts';
import { createMemoryUsageLedger } from '../../../src/usage/memory-usage-ledger.ts';

/** When the fixture commands run. */
export const NOW = Date.UTC(2026, 4, 6, 7, 8, 9);

/** A command context over an in-memory store and ledger, with no admins. */
export function makeContext(
  overrides: Partial<CommandContext> = {},
): CommandContext & { store: HistoryStore } {
  return {
    store: createMemoryHistoryStore(),
    ledger: createMemoryUsageLedger(),
    systemPrompt: 'You are a test bot.',
    adminUsers: [],
    adminCommands: [],
    now: NOW,
    ...overrides,
  };
}

/** A command turn by Alice in thread `console:thread` of channel `console:chan`. */
export function commandTurn(name: CommandName | string, args = '', overrides: Partial<Turn> = {}): Turn {
  return {
    id: `command-${name}`,
    sessionId: 'console:thread',
    scopeId: 'console:chan',
    kind: 'command',
    command: { name: name as CommandName, args },
    author: { id: 'U1', name: 'Alice' },
    text: '',
    // A channel's thread: the commands answer in channel words (the terminal's are tested end to end).
    target: { platform: 'slack', channelId: 'c' },
    receivedAt: NOW,
    ...overrides,
  };
}

/** What a handler sees for `name args` with seq 5. */
export function invocation(
  args: string,
  context = makeContext(),
  turn = commandTurn('help', args),
): CommandInvocation {
  return { turn, seq: 5, args, scopeId: turn.scopeId ?? turn.sessionId, context };
}
