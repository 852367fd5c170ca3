import type { HistoryStore } from '../../history/history-store.ts';
import type { CompletionRequest } from '../../model/model-client.ts';
import type { ModelProfile } from '../../model/model-roster.ts';
import { calibratedBudget } from '../../prompt/calibrated-budget.ts';
import type { Turn } from '../turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/**
 * The catalogue entry a conversation picked with `model <name>`: its own (a thread's), else its channel's;
 * `undefined` for the default.
 */
export async function conversationModelName(store: HistoryStore, turn: Turn): Promise<string | undefined> {
  const scopeId = turn.scopeId ?? turn.sessionId;
  // Both read at once (one round trip; the turn's later phases read the same metas, see withTurnReads).
  const [own, channel] = await Promise.all([
    store.getMeta(turn.sessionId),
    scopeId === turn.sessionId ? undefined : store.getMeta(scopeId),
  ]);
  return own.model ?? channel?.model;
}

/**
 * The dependencies of one turn with its conversation's model in place: that entry's client and counter, its
 * window and reply cap budgeted through the calibration (`cap` lowers the prompt budget further, for a retry
 * after the server said the prompt was too long), and its vision setting. Without a roster (a processor given
 * one model) the dependencies are used as they are.
 */
export async function withConversationModel(
  deps: TurnDependencies,
  turn: Turn,
  cap?: { maxPromptTokens: number },
): Promise<TurnDependencies> {
  if (!deps.models) return cap ? withPromptCap(deps, cap.maxPromptTokens) : deps;
  const profile = deps.models.profile(await conversationModelName(deps.store, turn));
  const resolved = withProfile(deps, profile);
  return cap ? withPromptCap(resolved, cap.maxPromptTokens) : resolved;
}

function withProfile(deps: TurnDependencies, profile: ModelProfile): TurnDependencies {
  const { entry } = profile;
  const budget = calibratedBudget({
    contextWindow: entry.contextWindow,
    maxReplyTokens: entry.maxReplyTokens,
    factor: deps.models?.calibration.factor(entry.name) ?? 1,
  });
  const files = deps.files ? { ...deps.files, vision: entry.vision } : undefined;
  // An entry marked `tools: false` (a model without function calling) is offered none.
  const { tools, ...rest } = deps;
  return {
    ...rest,
    ...(tools && entry.tools ? { tools } : {}),
    model: profile.client,
    counter: profile.counter,
    prompt: {
      ...deps.prompt,
      maxContextTokens: budget.maxContextTokens,
      maxReplyTokens: entry.maxReplyTokens,
    },
    historyBudget: budget.historyBudget,
    ...(files ? { files } : {}),
  };
}

function withPromptCap(deps: TurnDependencies, maxPromptTokens: number): TurnDependencies {
  const room = Math.max(1, Math.min(deps.historyBudget, maxPromptTokens));
  return {
    ...deps,
    prompt: { ...deps.prompt, maxContextTokens: deps.prompt.maxReplyTokens + room },
    historyBudget: room,
  };
}

/** Share of a refused prompt a retry may fill at most, on top of what the calibration learned from the refusal. */
const RETRY_PROMPT_SHARE = 0.75;

/**
 * The turn's dependencies for resending a prompt the server refused as too long: the calibration has taken
 * the refusal in (so the model's budget is already lower), and the prompt is capped at three quarters of the
 * refused one in any case, so the retry is always shorter.
 */
export function tighterDependencies(
  deps: TurnDependencies,
  turn: Turn,
  refused: CompletionRequest,
): Promise<TurnDependencies> {
  const sent = refused.localPromptTokens ?? deps.historyBudget;
  return withConversationModel(deps, turn, { maxPromptTokens: Math.floor(sent * RETRY_PROMPT_SHARE) });
}
