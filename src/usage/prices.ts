import type { CompletionUsage } from '../model/model-client.ts';

/** List price of one model, USD per million tokens. */
export interface ModelPrice {
  /** USD per 1M prompt (input) tokens. */
  inputPerMillion: number;
  /** USD per 1M prompt tokens served from the provider's prompt cache; the input price when unset. */
  cachedInputPerMillion?: number;
  /** USD per 1M completion (output) tokens, reasoning tokens included. */
  outputPerMillion: number;
}

const price = (input: number, cached: number | undefined, output: number): ModelPrice =>
  cached === undefined
    ? { inputPerMillion: input, outputPerMillion: output }
    : { inputPerMillion: input, cachedInputPerMillion: cached, outputPerMillion: output };

/**
 * OpenAI list prices, standard tier, text tokens, USD per 1M tokens: input, cached input, output.
 * Source: OpenAI's pricing page (https://platform.openai.com/docs/pricing), figures as published through
 * 2025–2026; table compiled 2026-12. Verify before using it for billing: prices change, and batch (half
 * price), flex and priority tiers are not modelled. A catalogue entry (`MODELS_FILE`) can set its own prices.
 *
 * Keys are model names; a dated snapshot (`gpt-4o-mini-2024-07-18`) takes the price of its longest matching
 * key, so a snapshot priced differently from its alias gets its own entry (`gpt-4o-2024-05-13`).
 */
export const modelPrices: Readonly<Record<string, ModelPrice>> = {
  'gpt-5.2': price(1.75, 0.175, 14),
  'gpt-5.1': price(1.25, 0.125, 10),
  'gpt-5.1-codex-mini': price(0.25, 0.025, 2),
  'gpt-5': price(1.25, 0.125, 10),
  'gpt-5-mini': price(0.25, 0.025, 2),
  'gpt-5-nano': price(0.05, 0.005, 0.4),
  'gpt-5-pro': price(15, undefined, 120),
  'gpt-4.1': price(2, 0.5, 8),
  'gpt-4.1-mini': price(0.4, 0.1, 1.6),
  'gpt-4.1-nano': price(0.1, 0.025, 0.4),
  'gpt-4o': price(2.5, 1.25, 10),
  // The first gpt-4o snapshot kept its launch price after the alias moved to the cheaper 2024-08-06.
  'gpt-4o-2024-05-13': price(5, undefined, 15),
  'gpt-4o-mini': price(0.15, 0.075, 0.6),
  'gpt-4-turbo': price(10, undefined, 30),
  // The GPT-4 Turbo previews carry `gpt-4-` names but GPT-4 Turbo prices.
  'gpt-4-1106-preview': price(10, undefined, 30),
  'gpt-4-0125-preview': price(10, undefined, 30),
  'gpt-4': price(30, undefined, 60),
  'gpt-4-32k': price(60, undefined, 120),
  'gpt-3.5-turbo': price(0.5, undefined, 1.5),
  o1: price(15, 7.5, 60),
  'o1-mini': price(1.1, 0.55, 4.4),
  'o1-pro': price(150, undefined, 600),
  // o3 was cut from $10/$40 to $2/$8 in June 2025.
  o3: price(2, 0.5, 8),
  'o3-mini': price(1.1, 0.55, 4.4),
  'o3-pro': price(20, undefined, 80),
  'o3-deep-research': price(10, 2.5, 40),
  'o4-mini': price(1.1, 0.275, 4.4),
  'o4-mini-deep-research': price(2, 0.5, 8),
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

/** Cost in USD of one completion at `price`; cached prompt tokens at the cached price when it has one. */
export function costAt(price: ModelPrice, usage: CompletionUsage): number {
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const cachedPrice = price.cachedInputPerMillion ?? price.inputPerMillion;
  return (
    ((usage.promptTokens - cached) * price.inputPerMillion +
      cached * cachedPrice +
      usage.completionTokens * price.outputPerMillion) /
    1_000_000
  );
}

/** Cost in USD of one completion, or `null` when the model has no known price. */
export function costOf(model: string, usage: CompletionUsage): number | null {
  const known = priceOf(model);
  return known ? costAt(known, usage) : null;
}
