import OpenAI from 'openai';
import { createModelFetch } from './model-fetch.ts';
import type { OpenAIModelClientOptions } from './openai-model-client.ts';

/** The openai SDK client both model clients send through, configured from their options. */
export function createOpenAISdk(options: OpenAIModelClientOptions, baseUrl: string): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey ?? 'not-needed',
    // Explicit, so a stray OPENAI_BASE_URL in the environment cannot override the parsed configuration.
    baseURL: baseUrl,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    fetch: createModelFetch(options.maxRetryAfterSeconds ?? 60),
    ...(options.logger
      ? { logger: options.logger.child({ component: 'openai-sdk' }), logLevel: 'warn' }
      : {}),
  });
}
