import type OpenAI from 'openai';
import { costOf } from '../usage/prices.ts';
import { createOpenAISdk } from './create-openai-sdk.ts';
import type { CompletionUsage } from './model-client.ts';
import { type ErrorOrigin, errorOrigin, secretRedactor } from './openai-errors.ts';
import type { OpenAIModelClientOptions } from './openai-model-client.ts';

/** OpenAI's API, used when no base URL is configured. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

// Reasoning models reject `max_tokens` and any non-default temperature. Everything else, including most
// OpenAI-compatible local servers, understands `max_tokens`, while not all of them know the newer name.
export const REASONING_MODEL = /^(openai\/)?(o\d|gpt-5)/i;

/** Rough token estimate for endpoints that report no usage. */
export const defaultEstimate = (text: string) => Math.ceil(text.length / 4);

/** What both OpenAI model clients derive once from their options. */
export interface OpenAIClientSetup {
  /** Token estimate for endpoints that report no usage. */
  estimate: (text: string) => number;
  /** The SDK client requests go through. */
  sdk: OpenAI;
  /** Whether the model is a reasoning model (no `max_tokens`, no temperature). */
  reasoningModel: boolean;
  /** Endpoint and model, for error messages. */
  origin: Required<ErrorOrigin>;
  /** Removes the API key from error text. */
  redact: (text: string) => string;
}

/** The SDK client, error origin and estimates both OpenAI model clients work with. */
export function openAIClientSetup(options: OpenAIModelClientOptions): OpenAIClientSetup {
  const baseUrl = options.baseUrl ?? OPENAI_BASE_URL;
  return {
    estimate: options.estimateTokens ?? defaultEstimate,
    sdk: createOpenAISdk(options, baseUrl),
    reasoningModel: REASONING_MODEL.test(options.model),
    origin: errorOrigin(baseUrl, options.model),
    redact: secretRedactor(options.apiKey),
  };
}

/** The fields of a finished reply's debug line that both clients log, after their own. */
export function finishedReplyFields(
  reply: { usage: CompletionUsage | undefined; finishReason: string },
  usage: CompletionUsage,
  costUsd: number | null,
  started: number,
) {
  return {
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    usageEstimated: reply.usage === undefined,
    costUsd,
    finishReason: reply.finishReason,
    durationMs: Date.now() - started,
  };
}

/**
 * A finished reply's usage and cost, as both clients report them: the endpoint's usage, else `estimate()` (and the
 * result says it is estimated, so calibration does not learn from it); the cost at the answering model's price,
 * else at the configured model's.
 */
export function settledUsage(
  reply: { usage: CompletionUsage | undefined; model: string },
  configuredModel: string,
  estimate: () => CompletionUsage,
): { usage: CompletionUsage; costUsd: number | null; usageEstimated?: true } {
  const usage = reply.usage ?? estimate();
  const costUsd = costOf(reply.model, usage) ?? costOf(configuredModel, usage);
  return { usage, costUsd, ...(reply.usage === undefined ? { usageEstimated: true as const } : {}) };
}
