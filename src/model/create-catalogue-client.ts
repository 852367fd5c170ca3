import type { Logger } from '../app/logger.ts';
import type { CatalogueEntry } from './model-catalogue.ts';
import type { ModelClient } from './model-client.ts';
import { createOpenAIModelClient } from './openai-model-client.ts';
import { createOpenAIResponsesModelClient } from './openai-responses-model-client.ts';

/** The OpenAI-compatible client of one catalogue entry (Chat Completions or Responses API, as it says). */
export function createCatalogueClient(entry: CatalogueEntry, logger: Logger): ModelClient {
  const create = entry.api === 'responses' ? createOpenAIResponsesModelClient : createOpenAIModelClient;
  return create({
    apiKey: entry.apiKey,
    baseUrl: entry.baseUrl,
    model: entry.model,
    temperature: entry.temperature,
    maxReplyTokens: entry.maxReplyTokens,
    timeoutMs: entry.timeoutMs,
    maxRetries: entry.maxRetries,
    logger: logger.child({ modelEntry: entry.name }),
  });
}
