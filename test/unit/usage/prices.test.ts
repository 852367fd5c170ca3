import { describe, expect, it } from 'vitest';
import { costOf, modelPrices, priceOf } from '../../../src/usage/prices.ts';

describe('priceOf', () => {
  it.each([
    ['gpt-4o', 2.5, 1.25, 10],
    ['gpt-4o-mini', 0.15, 0.075, 0.6],
    ['gpt-4.1', 2, 0.5, 8],
    ['gpt-4.1-mini', 0.4, 0.1, 1.6],
    ['gpt-4.1-nano', 0.1, 0.025, 0.4],
    ['gpt-5', 1.25, 0.125, 10],
    ['gpt-5-mini', 0.25, 0.025, 2],
    ['gpt-5-nano', 0.05, 0.005, 0.4],
    ['gpt-5.1', 1.25, 0.125, 10],
    ['o1', 15, 7.5, 60],
    ['o3', 2, 0.5, 8],
    ['o3-mini', 1.1, 0.55, 4.4],
    ['o4-mini', 1.1, 0.275, 4.4],
  ])('prices %s at $%d in / $%d cached / $%d out per million', (model, input, cached, output) => {
    expect(priceOf(model)).toEqual({
      inputPerMillion: input,
      cachedInputPerMillion: cached,
      outputPerMillion: output,
    });
  });

  it.each([
    ['gpt-4-turbo', 10, 30],
    ['gpt-4', 30, 60],
    ['gpt-3.5-turbo', 0.5, 1.5],
    ['gpt-5-pro', 15, 120],
  ])('prices %s at $%d in / $%d out per million, without a cached price', (model, input, output) => {
    expect(priceOf(model)).toEqual({ inputPerMillion: input, outputPerMillion: output });
  });

  it('prices OpenRouter names like the bare ones, and dated gpt-5 snapshots like their alias', () => {
    expect(priceOf('openai/gpt-5-mini')).toBe(modelPrices['gpt-5-mini']);
    expect(priceOf('gpt-5-2025-08-07')).toBe(modelPrices['gpt-5']);
    expect(priceOf('gpt-5-chat-latest')).toBe(modelPrices['gpt-5']);
  });

  it('bills cached prompt tokens at the cached price', () => {
    // 1M prompt tokens of which 400k cached, 0 out: 600k × $0.40 + 400k × $0.10.
    const cost = costOf('gpt-4.1-mini', {
      promptTokens: 1_000_000,
      completionTokens: 0,
      cachedPromptTokens: 400_000,
    });
    expect(cost).toBeCloseTo(0.28, 12);
  });

  it('matches dated snapshots by their longest prefix', () => {
    expect(priceOf('gpt-4o-mini-2024-07-18')).toBe(modelPrices['gpt-4o-mini']);
    expect(priceOf('gpt-4o-2024-08-06')).toBe(modelPrices['gpt-4o']);
    expect(priceOf('gpt-4.1-mini-2025-04-14')).toBe(modelPrices['gpt-4.1-mini']);
    expect(priceOf('gpt-4-turbo-2024-04-09')).toBe(modelPrices['gpt-4-turbo']);
    expect(priceOf('gpt-3.5-turbo-0125')).toBe(modelPrices['gpt-3.5-turbo']);
    expect(priceOf('o1-2024-12-17')).toBe(modelPrices.o1);
    expect(priceOf('o1-mini-2024-09-12')).toBe(modelPrices['o1-mini']);
    expect(priceOf('o3-mini-2025-01-31')).toBe(modelPrices['o3-mini']);
  });

  it('prices snapshots that differ from their alias on their own', () => {
    expect(priceOf('gpt-4o-2024-05-13')).toEqual({ inputPerMillion: 5, outputPerMillion: 15 });
    expect(priceOf('gpt-4-1106-preview')).toEqual({ inputPerMillion: 10, outputPerMillion: 30 });
    expect(priceOf('gpt-4-0125-preview')?.inputPerMillion).toBe(10);
  });

  it('matches only at a name boundary', () => {
    expect(priceOf('gpt-4.5-preview')).toBeNull();
    expect(priceOf('gpt-4o1')).toBeNull();
    expect(priceOf('o10')).toBeNull();
  });

  it('ignores case, surrounding space and an openai/ routing prefix', () => {
    expect(priceOf(' GPT-4o-Mini ')).toBe(modelPrices['gpt-4o-mini']);
    expect(priceOf('openai/gpt-4.1-nano')).toBe(modelPrices['gpt-4.1-nano']);
  });

  it('returns null for models without a known price', () => {
    expect(priceOf('llama3')).toBeNull();
    expect(priceOf('llama3.1:8b')).toBeNull();
    expect(priceOf('ft:gpt-4o-mini-2024-07-18:acme::abc123')).toBeNull();
    expect(priceOf('anthropic/claude-3.5-sonnet')).toBeNull();
    expect(priceOf('')).toBeNull();
  });
});

describe('costOf', () => {
  it('adds input and output at their own rates', () => {
    // 1,000 × $0.15/M + 500 × $0.60/M = $0.00015 + $0.0003
    expect(costOf('gpt-4o-mini', { promptTokens: 1_000, completionTokens: 500 })).toBeCloseTo(0.00045, 12);
    expect(costOf('gpt-4o-2024-08-06', { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBeCloseTo(
      12.5,
      9,
    );
  });

  it('is zero for zero tokens and null for unknown models', () => {
    expect(costOf('gpt-4.1', { promptTokens: 0, completionTokens: 0 })).toBe(0);
    expect(costOf('llama3', { promptTokens: 1_000, completionTokens: 1_000 })).toBeNull();
  });
});
