import { describe, expect, it } from 'vitest';
import { MAX_PERSONA_LENGTH, personaCommand } from '../../../src/commands/persona-command.ts';
import { invocation, makeContext } from './command-fixtures.ts';

describe('personaCommand', () => {
  it('shows the default system prompt while the channel has no persona', async () => {
    const outcome = await personaCommand(invocation(''));
    expect(outcome.response.text).toBe('This channel uses the default system prompt:\n> You are a test bot.');
  });

  it("sets the channel's persona, shows it and resets it", async () => {
    const context = makeContext();
    const set = await personaCommand(invocation('Talk like a pirate.\nAlways.', context));
    expect(set.response.text).toContain('Persona set for this channel');
    expect((await context.store.getMeta('console:chan')).persona).toBe('Talk like a pirate.\nAlways.');
    expect((await context.store.getMeta('console:thread')).persona).toBeUndefined();

    const shown = await personaCommand(invocation('', context));
    expect(shown.response.text).toBe(
      "This channel's persona:\n> Talk like a pirate.\n> Always.\nUse `persona reset` to return to the default.",
    );

    await personaCommand(invocation('Reset', context));
    expect((await context.store.getMeta('console:chan')).persona).toBeUndefined();
  });

  it('refuses a persona over the limit and keeps the old one', async () => {
    const context = makeContext();
    await context.store.setMeta('console:chan', { persona: 'old' });
    const outcome = await personaCommand(invocation('x'.repeat(MAX_PERSONA_LENGTH + 1), context));
    expect(outcome.response.text).toBe(
      `That persona is 4001 characters long; the limit is ${MAX_PERSONA_LENGTH}.`,
    );
    expect((await context.store.getMeta('console:chan')).persona).toBe('old');
  });
});
