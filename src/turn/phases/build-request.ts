import type { ImageDetail } from '../../attachments/attachment.ts';
import { visionEnabled } from '../../attachments/vision-models.ts';
import type { StoredMessage } from '../../history/history-store.ts';
import type { CompletionRequest } from '../../model/model-client.ts';
import { type AssembledPrompt, assemblePrompt } from '../../prompt/assemble-prompt.ts';
import { attachPromptImages, imageHashes } from '../../prompt/attach-prompt-images.ts';
import { recountForEncoding } from '../../prompt/recount-for-encoding.ts';
import { type LoadedTurn, loadHistoryWindow } from './load-turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What building a request draws on. */
export type RequestDependencies = Pick<
  TurnDependencies,
  'store' | 'model' | 'counter' | 'prompt' | 'historyBudget' | 'files'
>;

/**
 * The turn's first model request. Responses API mode continues the server-side chain, so only the system
 * prompt and the new message travel; otherwise the whole prompt is assembled from the stored history.
 */
export async function buildRequest(
  deps: RequestDependencies,
  loaded: LoadedTurn,
): Promise<CompletionRequest> {
  const { responseId } = loaded.meta;
  if (deps.model.chainsResponses && responseId !== undefined) return chainedRequest(deps, loaded, responseId);
  return buildFullRequest(deps, loaded);
}

/**
 * The whole conversation within the token budget: persona or system prompt, summary, the history window (read
 * from the store unless given) and the seeded thread context, then the user's message.
 */
export async function buildFullRequest(
  deps: RequestDependencies,
  loaded: LoadedTurn,
  window?: StoredMessage[],
): Promise<CompletionRequest> {
  // Counts stored in another encoding (before a `model` switch) are redone for this model's.
  const history = recountForEncoding(
    window ?? (await loadHistoryWindow(deps, loaded.turn.sessionId)),
    deps.counter,
  );
  const prompt = assemblePrompt({
    systemPrompt: deps.prompt.systemPrompt,
    persona: loaded.persona,
    summary: loaded.meta.summary,
    history: [...history, ...loaded.seeded],
    pending: [loaded.userMessage, ...(loaded.folded ?? [])],
    maxContextTokens: deps.prompt.maxContextTokens,
    maxReplyTokens: deps.prompt.maxReplyTokens,
    maxHistoryMessages: deps.prompt.maxHistoryMessages,
    counter: deps.counter,
    ...imageOptions(deps),
  });
  return { messages: await withImages(deps, loaded, prompt), localPromptTokens: prompt.promptTokens };
}

async function chainedRequest(
  deps: RequestDependencies,
  loaded: LoadedTurn,
  previousResponseId: string,
): Promise<CompletionRequest> {
  const prompt = assemblePrompt({
    systemPrompt: deps.prompt.systemPrompt,
    persona: loaded.persona,
    history: [],
    pending: [loaded.userMessage, ...(loaded.folded ?? [])],
    maxContextTokens: deps.prompt.maxContextTokens,
    maxReplyTokens: deps.prompt.maxReplyTokens,
    counter: deps.counter,
    ...imageOptions(deps),
  });
  return { messages: await withImages(deps, loaded, prompt), previousResponseId };
}

/** The prompt's messages with the bytes of the images it sends (earlier turns' images too, while they fit). */
async function withImages(
  deps: RequestDependencies,
  loaded: LoadedTurn,
  prompt: AssembledPrompt,
): Promise<CompletionRequest['messages']> {
  if (prompt.imageRefs.length === 0) return prompt.messages;
  const images = await deps.store.loadImages(loaded.turn.sessionId, imageHashes(prompt.imageRefs));
  // An image that expired or was refused is left out; its line in the text still names it.
  return attachPromptImages(prompt.messages, prompt.imageRefs, images).messages;
}

/** How the prompt shows images: none to a model that cannot see them, else at the configured detail. */
function imageOptions(deps: RequestDependencies): { sendImages: boolean; imageDetail: ImageDetail } {
  const { files, model } = deps;
  return {
    sendImages: visionEnabled(files?.vision ?? 'auto', model.model),
    imageDetail: files?.imageDetail ?? 'auto',
  };
}
