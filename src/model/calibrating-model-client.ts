import { ModelError } from '../app/errors.ts';
import type { Logger } from '../app/logger.ts';
import { costAt } from '../usage/prices.ts';
import type { CatalogueEntry } from './model-catalogue.ts';
import type { CompletionRequest, CompletionResult, ModelClient } from './model-client.ts';
import type { TokenCalibration } from './token-calibration.ts';

/** What `createCalibratingModelClient` wraps. */
export interface CalibratingModelClientOptions {
  /** The catalogue entry the client answers for (its name keys the calibration; its price is used). */
  entry: CatalogueEntry;
  /** Builds the real client on the first request, so entries nobody picks never open a connection. */
  create: () => ModelClient;
  /** Where samples go. */
  calibration: TokenCalibration;
  /** Where the truncation warning goes. */
  logger: Logger;
}

/**
 * A catalogue entry's client: created on first use, priced at the entry's prices, and feeding every answered
 * full prompt's reported `prompt_tokens` (and every "prompt too long" refusal) into the calibration. A server
 * that cut a prompt is warned about once per model, naming the setting to raise.
 */
export function createCalibratingModelClient(options: CalibratingModelClientOptions): ModelClient {
  const { entry, calibration, logger } = options;
  let inner: ModelClient | undefined;
  const client = () => {
    inner ??= options.create();
    return inner;
  };

  async function complete(request: CompletionRequest): Promise<CompletionResult> {
    const local = sampledPromptTokens(request);
    let result: CompletionResult;
    try {
      result = await client().complete(request);
    } catch (error) {
      if (local !== undefined && error instanceof ModelError && error.kind === 'context_length') {
        calibration.overflowed(entry.name, local, reportedPromptTokens(error.serverMessage));
        logger.info(
          { model: entry.name, localPromptTokens: local, factor: calibration.factor(entry.name) },
          'the server refused the prompt as too long; counting more conservatively for this model',
        );
      }
      throw error;
    }
    if (local !== undefined && result.usageEstimated !== true) {
      const verdict = calibration.observe(entry.name, local, result.usage.promptTokens);
      if (verdict === 'truncated') warnTruncated(logger, entry, local, result.usage.promptTokens);
    }
    const costUsd = entry.price ? costAt(entry.price, result.usage) : result.costUsd;
    return { ...result, costUsd };
  }

  return {
    model: entry.model,
    chainsResponses: entry.api === 'responses',
    complete,
  };
}

/** The local count of a request worth comparing: a whole prompt as assembled, without images (counted by formula). */
function sampledPromptTokens(request: CompletionRequest): number | undefined {
  if (request.localPromptTokens === undefined || request.previousResponseId !== undefined) return undefined;
  if (request.messages.some((message) => (message.images?.length ?? 0) > 0)) return undefined;
  return request.localPromptTokens;
}

/** The prompt's size as the server counted it, when its "too long" message says (OpenAI, vLLM). */
export function reportedPromptTokens(message: string | undefined): number | undefined {
  if (!message) return undefined;
  const match = /resulted in ([\d,]+) tokens/i.exec(message) ?? /\(([\d,]+) in the messages/i.exec(message);
  if (!match) return undefined;
  const tokens = Number(match[1]!.replaceAll(',', ''));
  return Number.isFinite(tokens) && tokens > 0 ? tokens : undefined;
}

/** The sentence `/memory` shows and the log warns with when a server cut a prompt. */
export function truncationWarning(entry: CatalogueEntry, sentTokens: number, reportedTokens: number): string {
  const setting =
    entry.name === 'default' ? 'MAX_CONTEXT_TOKENS' : `context_window of "${entry.name}" in MODELS_FILE`;
  return (
    `The server of ${entry.model} counted only ${reportedTokens} of about ${sentTokens} prompt tokens sent: it ` +
    `cut the conversation to fit a smaller window. Raise the server's context length to at least ` +
    `${entry.contextWindow} tokens (Ollama: OLLAMA_CONTEXT_LENGTH or the model's num_ctx), or lower ${setting} ` +
    'to the window it serves.'
  );
}

function warnTruncated(logger: Logger, entry: CatalogueEntry, sent: number, reported: number): void {
  logger.warn(
    { model: entry.name, sentTokens: sent, reportedTokens: reported },
    truncationWarning(entry, sent, reported),
  );
}
