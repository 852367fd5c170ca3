import { answer, type CommandHandler, quote } from './command-invocation.ts';
import { wordingOf } from './command-wording.ts';

/** Longest persona accepted, in characters. */
export const MAX_PERSONA_LENGTH = 4_000;

/** `persona` shows the channel's persona, `persona reset` drops it, `persona <text>` sets it. */
export const personaCommand: CommandHandler = async (invocation) => {
  const { args, scopeId } = invocation;
  const { store, systemPrompt } = invocation.context;
  const { terminal, scope, command } = wordingOf(invocation);
  const Scope = scope.charAt(0).toUpperCase() + scope.slice(1);
  if (args.length === 0) {
    const persona = (await store.getMeta(scopeId)).persona;
    return answer(
      invocation,
      persona
        ? `${Scope}'s persona:\n${quote(persona)}\nUse ${command('persona reset')} to return to the default.`
        : `${Scope} uses the default system prompt:\n${quote(systemPrompt)}`,
    );
  }
  if (args.toLowerCase() === 'reset') {
    await store.setMeta(scopeId, { persona: null });
    return answer(invocation, `Persona reset: ${scope} uses the default system prompt again.`);
  }
  if (args.length > MAX_PERSONA_LENGTH) {
    return answer(
      invocation,
      `That persona is ${args.length} characters long; the limit is ${MAX_PERSONA_LENGTH}.`,
    );
  }
  await store.setMeta(scopeId, { persona: args });
  const threads = terminal ? '' : ' (threads in it follow it too)';
  return answer(invocation, `Persona set for ${scope}${threads}:\n${quote(args)}`);
};
