import type { CatalogueEntry } from '../model/model-catalogue.ts';
import type { ModelRoster } from '../model/model-roster.ts';
import { answer, type CommandHandler, type CommandInvocation } from './command-invocation.ts';

/** Where the conversation's model was picked. */
type PickedAt = 'thread' | 'channel' | 'default';

/** The catalogue entry a conversation uses and where it was picked (its thread, its channel, or nowhere). */
export async function conversationModel(
  invocation: Pick<CommandInvocation, 'turn' | 'scopeId' | 'context'>,
  models: ModelRoster,
): Promise<{ entry: CatalogueEntry; pickedAt: PickedAt }> {
  const { turn, scopeId, context } = invocation;
  const inThread = turn.sessionId !== scopeId;
  const own = inThread ? (await context.store.getMeta(turn.sessionId)).model : undefined;
  const channel = own === undefined ? (await context.store.getMeta(scopeId)).model : undefined;
  const picked = own ?? channel;
  const entry = picked === undefined ? undefined : models.entry(picked);
  if (entry) return { entry, pickedAt: own !== undefined ? 'thread' : 'channel' };
  return { entry: models.profile(undefined).entry, pickedAt: 'default' };
}

/**
 * `model` shows the conversation's model and the catalogue; `model <name>` picks one — for the channel (its
 * threads follow it) at a channel's top level, for the thread alone inside a thread; `model reset` drops the
 * pick made here. Picking is an admin's change (`ADMIN_COMMANDS`). A pick drops the Responses API chain of the
 * conversations it affects: the next turn resends the history to the new model, counted in its encoding.
 */
export const modelCommand: CommandHandler = async (invocation) => {
  const { args, turn, scopeId } = invocation;
  const models = invocation.context.models;
  if (!models) return answer(invocation, 'This deployment has one model; there is nothing to choose.');
  const inThread = turn.sessionId !== scopeId;
  const where = inThread ? 'this thread' : 'this channel';
  if (args.length === 0) {
    const { entry, pickedAt } = await conversationModel(invocation, models);
    const origin =
      pickedAt === 'default'
        ? 'the default'
        : pickedAt === 'thread'
          ? 'set for this thread'
          : 'set for this channel';
    return answer(
      invocation,
      [
        `This conversation uses \`${entry.name}\` (${origin}).`,
        '**Models**',
        ...models.entries.map(describeEntry),
        `Use \`model <name>\` to pick one for ${where}${inThread ? '' : ' (its threads follow it)'}.`,
      ].join('\n'),
    );
  }
  const target = inThread ? turn.sessionId : scopeId;
  if (args.toLowerCase() === 'reset') {
    await forgetChains(invocation, target, inThread, null);
    const fallback = inThread ? "the channel's model" : 'the default model';
    return answer(invocation, `Model choice for ${where} dropped: it uses ${fallback} again.`);
  }
  const entry = models.entry(args);
  if (!entry) {
    const names = models.entries.map((known) => `\`${known.name}\``).join(', ');
    return answer(invocation, `There is no model named \`${args}\`. Available: ${names}.`);
  }
  await forgetChains(invocation, target, inThread, entry.name);
  const follow = inThread ? '' : ' (threads in it follow it, unless they picked their own)';
  return answer(
    invocation,
    `${where[0]!.toUpperCase()}${where.slice(1)} now uses \`${entry.name}\`${follow}.`,
  );
};

/**
 * Stores the pick (or drops it, `null`) and the Responses API chains it makes stale: the target's own, and for
 * a channel every conversation under it, since they follow its model.
 */
async function forgetChains(
  invocation: CommandInvocation,
  target: string,
  inThread: boolean,
  model: string | null,
): Promise<void> {
  const { store } = invocation.context;
  await store.setMeta(target, { model, responseId: null });
  if (inThread) return;
  const sessions = await store.sessionsInScope(invocation.scopeId);
  await Promise.all(
    sessions.filter((id) => id !== target).map((id) => store.setMeta(id, { responseId: null })),
  );
}

/** `• `local` — llama3.2, 8,192-token window, price unknown` */
function describeEntry(entry: CatalogueEntry): string {
  const number = (value: number) => value.toLocaleString('en-US');
  const price = entry.price
    ? `$${entry.price.inputPerMillion} in / $${entry.price.outputPerMillion} out per 1M tokens`
    : 'price unknown';
  const vision = entry.vision === 'on' ? ', sees images' : '';
  return `• \`${entry.name}\` — ${entry.model}, ${number(entry.contextWindow)}-token window, ${price}${vision}`;
}

/** `memory`'s warning when the conversation's model server was seen cutting prompts (empty otherwise). */
export async function truncationNote(invocation: CommandInvocation): Promise<string> {
  const models = invocation.context.models;
  if (!models) return '';
  const { entry } = await conversationModel(invocation, models);
  const notice = models.truncationNotice(entry.name);
  return notice ? `\n⚠️ ${notice}` : '';
}
