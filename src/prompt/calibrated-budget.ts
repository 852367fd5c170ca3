/**
 * The prompt budget in local tokens for a model whose server counts `factor` times as many (see
 * `token-calibration.ts`): the reply keeps its share of the window, and the prompt's share shrinks so that
 * the prompt, counted by the server, still fits.
 */
export function calibratedBudget(input: {
  /** The model's whole window: prompt plus reply, as the server counts. */
  contextWindow: number;
  /** Tokens reserved for the reply. */
  maxReplyTokens: number;
  /** Server tokens per local token (1 when they agree or nothing is known yet). */
  factor: number;
}): { maxContextTokens: number; historyBudget: number } {
  const { contextWindow, maxReplyTokens } = input;
  const factor = Number.isFinite(input.factor) && input.factor > 1 ? input.factor : 1;
  const promptRoom = Math.max(0, contextWindow - maxReplyTokens);
  const localRoom = Math.floor(promptRoom / factor);
  return { maxContextTokens: maxReplyTokens + localRoom, historyBudget: localRoom };
}
