import type { CompletionUsage } from '../model/model-client.ts';

/** List price of one model, USD per million tokens. */
export interface ModelPrice {
  /** USD per 1M prompt (input) tokens. */
  inputPerMillion: number;
  /** USD per 1M completion (output) tokens, reasoning tokens included. */
  outputPerMillion: number;
}

/**
 * OpenAI list prices, standard tier, text tokens, USD per 1M tokens.
 * Source: OpenAI's pricing page (https://platform.openai.com/docs/pricing), figures as published through
 * 2025–2026 and cross-checked against independent copies of that page; table compiled 2026-11. Verify before
 * using it for billing: prices change, and cached input (cheaper), batch (half price) and priority tiers are
 * not modelled, so costs here are an upper-bound estimate for the standard tier.
 *
 * Keys are model names; a dated snapshot (`gpt-4o-mini-2024-07-18`) takes the price of its longest matching
 * key, so a snapshot priced differently from its alias gets its own entry (`gpt-4o-2024-05-13`).
 */
export const modelPrices: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  // The first gpt-4o snapshot kept its launch price after the alias moved to the cheaper 2024-08-06.
  'gpt-4o-2024-05-13': { inputPerMillion: 5, outputPerMillion: 15 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-4-turbo': { inputPerMillion: 10, outputPerMillion: 30 },
  // The GPT-4 Turbo previews carry `gpt-4-` names but GPT-4 Turbo prices.
  'gpt-4-1106-preview': { inputPerMillion: 10, outputPerMillion: 30 },
  'gpt-4-0125-preview': { inputPerMillion: 10, outputPerMillion: 30 },
  'gpt-4': { inputPerMillion: 30, outputPerMillion: 60 },
  'gpt-4-32k': { inputPerMillion: 60, outputPerMillion: 120 },
  'gpt-3.5-turbo': { inputPerMillion: 0.5, outputPerMillion: 1.5 },
  o1: { inputPerMillion: 15, outputPerMillion: 60 },
  'o1-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  // o3 was cut from $10/$40 to $2/$8 in June 2025.
  o3: { inputPerMillion: 2, outputPerMillion: 8 },
  'o3-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
};

// Longest first, so the first hit is the longest matching prefix.
const keysByLength = Object.keys(modelPrices).sort((a, b) => b.length - a.length);

/**
 * The price of a model, matching dated snapshots by the longest key they start with. A key only matches at a
 * name boundary (end or `-`), so `gpt-4.5-preview` is not priced as `gpt-4`. A routing prefix such as
 * `openai/` (OpenRouter) is ignored. Returns `null` for anything else (llama3, fine-tunes `ft:…`).
 */
export function priceOf(model: string): ModelPrice | null {
  const name = model
    .trim()
    .toLowerCase()
    .replace(/^openai\//, '');
  for (const key of keysByLength) {
    if (name === key || name.startsWith(`${key}-`)) return modelPrices[key] ?? null;
  }
  return null;
}

/** Cost in USD of one completion, or `null` when the model has no known price. */
export function costOf(model: string, usage: CompletionUsage): number | null {
  const price = priceOf(model);
  if (!price) return null;
  return (
    (usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1_000_000
  );
}
