import type { SessionMeta, StoredAttachment, StoredMessage } from '../../history/history-store.ts';
import { toStoredMessage } from '../../prompt/render-message.ts';
import type { Turn } from '../turn.ts';
import { checkBudget } from './check-budget.ts';
import { type AttachmentDependencies, prepareTurnAttachments } from './prepare-turn-attachments.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What a message turn adds to its session, in the order it is committed. */
export interface PendingMessages {
  /** Thread messages from before the bot was first mentioned; empty unless the session never had a turn. */
  seeded: StoredMessage[];
  /** The user's message as it is stored (token count included, its files' with it). */
  userMessage: StoredMessage;
  /** One line per attached file the model was not given, added to the reply. */
  notices?: string[];
  /** `FOLD_BURSTS`: the messages of the burst answered with this one (they follow `userMessage`). */
  folded?: StoredMessage[];
}

/** A message turn with everything its request is built from. */
export interface LoadedTurn extends PendingMessages {
  /** The turn. */
  turn: Turn;
  /** The session's meta before this turn (summary, response chain, history size). */
  meta: SessionMeta;
  /** The persona in force: the channel's, else the session's own. */
  persona: string | undefined;
}

/** A turn the daily budget stops before the model. */
export interface DeclinedTurn {
  /** What the user reads instead of an answer. */
  declined: string;
}

/** The user's message and, for a session that never had a turn, the thread context it is seeded with. */
export async function pendingMessages(
  deps: Pick<TurnDependencies, 'store' | 'counter'>,
  turn: Turn,
): Promise<PendingMessages> {
  const userMessage = userMessageOf(deps, turn);
  return { seeded: await seedFromContext(deps, turn), userMessage };
}

/**
 * The turn's text as the user's stored message, token count included, with the platform's id of the message
 * (`ref`) so that a later edit or delete finds it. `written` overrides what the turn says (an edit keeps the
 * id and time of the message it changes).
 */
export function userMessageOf(
  deps: Pick<TurnDependencies, 'counter'>,
  turn: Turn,
  written: { ref?: string; at?: number; attachments?: StoredAttachment[] } = {},
): StoredMessage {
  const stored = toStoredMessage(
    { role: 'user', content: turn.text, author: turn.author, at: written.at ?? turn.receivedAt },
    deps.counter,
  );
  const ref = written.ref ?? turn.messageRef;
  return withAttachments(deps, ref === undefined ? stored : { ...stored, ref }, written.attachments ?? []);
}

/**
 * Checks the daily budgets, then reads the turn's files (only for a turn that is answered: a declined one
 * downloads nothing), the session's meta and the persona.
 */
export async function loadTurn(
  deps: Pick<TurnDependencies, 'store' | 'budgets' | 'ledger' | 'now' | 'counter'> & AttachmentDependencies,
  turn: Turn,
  pending: PendingMessages,
): Promise<LoadedTurn | DeclinedTurn> {
  const declined = await checkBudget(deps, turn);
  if (declined) return { declined };
  const { store } = deps;
  const files = await prepareTurnAttachments(deps, turn);
  const userMessage = withAttachments(deps, pending.userMessage, files.stored);
  const notices = [...(pending.notices ?? []), ...files.notices];
  const scopeId = turn.scopeId ?? turn.sessionId;
  // Both read at once (one round trip), as the conversation's model was.
  const [meta, channel] = await Promise.all([
    store.getMeta(turn.sessionId),
    scopeId === turn.sessionId ? undefined : store.getMeta(scopeId),
  ]);
  const persona = channel?.persona ?? meta.persona;
  return { ...pending, userMessage, notices, turn, meta, persona };
}

/**
 * The message with these files added: they travel with it into every later prompt, so its `tokens` is counted
 * again the way prompt assembly renders it with them (text, file blocks, image lines and image tokens).
 */
export function withAttachments(
  deps: Pick<TurnDependencies, 'counter'>,
  message: StoredMessage,
  attachments: readonly StoredAttachment[],
): StoredMessage {
  if (attachments.length === 0) return message;
  const { role, content, author, at } = message;
  const all = [...(message.attachments ?? []), ...attachments];
  const counted = toStoredMessage({ role, content, author, at, attachments: all }, deps.counter);
  return { ...message, attachments: counted.attachments ?? all, tokens: counted.tokens };
}

/**
 * The newest stored messages that fit the history budget. Read only for a full prompt: a chained Responses
 * API request leaves the history on the server.
 */
export function loadHistoryWindow(
  deps: Pick<TurnDependencies, 'store' | 'historyBudget' | 'prompt'>,
  sessionId: string,
): Promise<StoredMessage[]> {
  return deps.store.load(sessionId, {
    maxTokens: deps.historyBudget,
    maxMessages: deps.prompt.maxHistoryMessages,
  });
}

/** Thread messages from before the bot was first mentioned, used only for a session that never had a turn. */
async function seedFromContext(
  deps: Pick<TurnDependencies, 'store' | 'counter'>,
  turn: Turn,
): Promise<StoredMessage[]> {
  if (!turn.context || turn.context.length === 0) return [];
  if ((await deps.store.committedSeq(turn.sessionId)) > 0) return [];
  return turn.context
    .filter((message) => message.text.trim().length > 0)
    .map((message) =>
      toStoredMessage(
        message.fromBot
          ? { role: 'assistant', content: message.text, at: message.at }
          : { role: 'user', content: message.text, author: message.author, at: message.at },
        deps.counter,
      ),
    );
}
