import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, commandHandler } from '../../../src/commands/command-handlers.ts';
import { personaCommand } from '../../../src/commands/persona-command.ts';
import { parseSessionExport } from '../../../src/commands/session-export.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import { toStoredMessage } from '../../../src/prompt/render-message.ts';
import { commandTurn, invocation, makeContext, NOW } from './command-fixtures.ts';

const counter = getTokenCounter('gpt-4o-mini');
const run = (name: string, args = '', context = makeContext()) =>
  commandHandler(name)(invocation(args, context, commandTurn(name, args)));

async function withConversation() {
  const context = makeContext();
  await context.store.commitTurn('console:thread', {
    seq: 1,
    scopeId: 'console:chan',
    messages: [toStoredMessage({ role: 'user', content: 'hi', at: 1 }, counter)],
    usage: { promptTokens: 1_000, completionTokens: 234, costUsd: 0.0012 },
  });
  return context;
}

describe('commandHandler', () => {
  it('knows every command, and answers anything else with the help', async () => {
    expect(commandHandler('persona')).toBe(personaCommand);
    expect((await run('help')).response.text).toBe(COMMAND_HELP);
    expect((await run('nonsense')).response.text).toBe(COMMAND_HELP);
    // Not a command, though every object has it.
    expect((await run('toString')).response.text).toBe(COMMAND_HELP);
  });
});

describe('reset', () => {
  it('clears the session when its outcome is committed', async () => {
    const outcome = await run('reset');
    expect(outcome).toEqual({
      response: { text: 'Memory cleared: this conversation starts afresh.' },
      commit: { seq: 5, clear: true, messages: [], scopeId: 'console:chan' },
    });
  });
});

describe('memory', () => {
  it('tells what is remembered, with the summary quoted', async () => {
    const context = await withConversation();
    expect((await run('memory', '', context)).response.text).toMatch(
      /^I remember the last 1 message \(\d+ tokens\) of this conversation word for word\. There is no summary/,
    );
    await context.store.setMeta('console:thread', { summary: 'Alice said hi.' });
    expect((await run('memory', '', context)).response.text).toContain(
      'Older messages are summarized as:\n> Alice said hi.',
    );
  });

  it('drops the summary with `clear` and rejects other options', async () => {
    const context = await withConversation();
    await context.store.setMeta('console:thread', { summary: 'Alice said hi.' });
    expect((await run('memory', 'wipe', context)).response.text).toBe(
      'Unknown option `wipe`. Use `memory` or `memory clear`.',
    );
    expect((await context.store.getMeta('console:thread')).summary).toBe('Alice said hi.');
    await run('memory', 'clear', context);
    expect((await context.store.getMeta('console:thread')).summary).toBeUndefined();
    expect(await context.store.count('console:thread')).toBe(1);
  });
});

describe('usage', () => {
  it('reports the conversation, the channel and the invoker', async () => {
    const context = await withConversation();
    await context.ledger.record({
      scopeId: 'console:chan',
      userId: 'U1',
      at: context.now,
      usage: { promptTokens: 10, completionTokens: 5, costUsd: null },
      model: 'llama3.2',
    });
    await context.ledger.record({
      scopeId: 'console:chan',
      userId: 'U2',
      at: context.now,
      usage: { promptTokens: 100, completionTokens: 50, costUsd: 0.0015 },
      model: 'gpt-4.1-mini',
    });
    // A call without a known price is never shown as $0: unknown alone, or beside the known part.
    expect((await run('usage', '', context)).response.text).toBe(
      [
        '**Usage**',
        '• this conversation: 1,234 tokens (1,000 in + 234 out), 1 call, $0.001200',
        '• this channel today: 165 tokens (110 in + 55 out), 2 calls, $0.001500 + unknown for 1 call to models without a price; in total: 165 tokens (110 in + 55 out), 2 calls, $0.001500 + unknown for 1 call to models without a price',
        '• you today: 15 tokens (10 in + 5 out), 1 call, cost unknown; in total: 15 tokens (10 in + 5 out), 1 call, cost unknown',
        '**By model** (this channel, in total)',
        '• gpt-4.1-mini: 150 tokens (100 in + 50 out), 1 call, $0.001500',
        '• llama3.2: 15 tokens (10 in + 5 out), 1 call, cost unknown',
      ].join('\n'),
    );
  });
});

describe('export', () => {
  it('attaches the conversation as a session export named after the session', async () => {
    const context = await withConversation();
    const outcome = await run('export', '', context);
    expect(outcome.response.text).toBe('Here is this conversation (1 messages) as JSON.');
    expect(outcome.response.file!.name).toBe('parley-console_thread.json');
    const exported = parseSessionExport(JSON.parse(outcome.response.file!.content));
    expect(exported).toMatchObject({
      sessionId: 'console:thread',
      exportedAt: new Date(context.now).toISOString(),
    });
    expect(outcome.commit).toEqual({ seq: 5, messages: [], scopeId: 'console:chan' });
  });
});

describe('forget', () => {
  it('asks for confirmation first and deletes nothing', async () => {
    const context = await withConversation();
    const outcome = await run('forget', '', context);
    expect(outcome.response.text).toContain('To go ahead, run `forget confirm`.');
    expect(await context.store.count('console:thread')).toBe(1);
  });

  it('marks the channel forgotten and deletes every conversation in it and its usage', async () => {
    const context = await withConversation();
    await context.store.commitTurn('console:other-thread', { seq: 1, scopeId: 'console:chan', messages: [] });
    await context.store.setMeta('console:chan', { persona: 'pirate' });
    await context.ledger.record({
      scopeId: 'console:chan',
      userId: 'U1',
      at: context.now,
      usage: { promptTokens: 10, completionTokens: 5, costUsd: null },
    });
    const outcome = await run('forget', 'CONFIRM', context);
    expect(outcome.response.text).toBe(
      'Done: everything stored for this channel was deleted (3 conversations).',
    );
    expect(outcome.commit).toEqual({ seq: 5, messages: [], forget: true, receivedAt: NOW });
    expect((await context.store.getMeta('console:chan')).persona).toBeUndefined();
    // The scope is marked forgotten as of the command, so an earlier turn committing late leaves nothing.
    expect(await context.store.scopeForgottenBefore('console:chan')).toBe(NOW);
    const late = { seq: 2, messages: [], scopeId: 'console:chan', receivedAt: NOW - 1 };
    expect(await context.store.commitTurn('console:late-thread', late)).toBe(false);
    expect(await context.store.committedSeq('console:other-thread')).toBe(1);
    expect(await context.store.sessionsInScope('console:chan')).not.toContain('console:other-thread');
    expect(await context.store.count('console:thread')).toBe(0);
    const report = await context.ledger.read({ scopeId: 'console:chan', userId: 'U1', at: context.now });
    expect(report.scope.total.calls).toBe(0);
  });
});
