import type { Logger } from '../app/logger.ts';
import { createCalibratingModelClient, truncationWarning } from './calibrating-model-client.ts';
import type { CatalogueEntry, ModelCatalogue } from './model-catalogue.ts';
import type { ModelClient } from './model-client.ts';
import { createTokenCalibration, type TokenCalibration } from './token-calibration.ts';
import { type EncodingName, encodingForModel, getTokenCounter, type TokenCounter } from './token-counter.ts';

/** A catalogue entry ready for a turn: its client and its counter. */
export interface ModelProfile {
  /** The entry. */
  entry: CatalogueEntry;
  /** Its client (built on the first request, calibrating and priced per entry). */
  client: ModelClient;
  /** Counter of its model's encoding. */
  counter: TokenCounter;
}

/** The worker's models: one client per catalogue entry, built lazily, and their shared calibration. */
export interface ModelRoster {
  /** The entry conversations use until they pick another. */
  readonly defaultName: string;
  /** Every entry, `default` first. */
  readonly entries: readonly CatalogueEntry[];
  /** The entry named `name` (any letter case), `undefined` when the catalogue has none. */
  entry(name: string): CatalogueEntry | undefined;
  /** The profile of `name`; the default's when `name` is unset or no longer in the catalogue. */
  profile(name: string | undefined): ModelProfile;
  /** Calibration of every entry's counts. */
  readonly calibration: TokenCalibration;
  /** The warning about the entry's server cutting prompts, once one was seen. */
  truncationNotice(name: string): string | undefined;
}

/** What the roster is built from. */
export interface ModelRosterOptions {
  /** The configured catalogue. */
  catalogue: ModelCatalogue;
  /** Builds the OpenAI-compatible client of an entry. */
  createClient: (entry: CatalogueEntry) => ModelClient;
  /** Where start-up facts and warnings go. */
  logger: Logger;
  /** Shared calibration (a fresh one by default). */
  calibration?: TokenCalibration;
}

/** The roster of `catalogue`; logs each entry once, warning about windows that are only assumed. */
export function createModelRoster(options: ModelRosterOptions): ModelRoster {
  const { catalogue, logger } = options;
  const calibration = options.calibration ?? createTokenCalibration();
  const profiles = new Map<string, ModelProfile>();
  const byName = new Map(catalogue.entries.map((entry) => [entry.name.toLowerCase(), entry]));
  const defaultEntry = byName.get(catalogue.defaultName.toLowerCase()) ?? catalogue.entries[0]!;
  for (const entry of catalogue.entries) logEntry(logger, entry);

  const profile = (name: string | undefined): ModelProfile => {
    const entry = (name === undefined ? undefined : byName.get(name.toLowerCase())) ?? defaultEntry;
    let found = profiles.get(entry.name);
    if (!found) {
      const client = createCalibratingModelClient({
        entry,
        create: () => options.createClient(entry),
        calibration,
        logger,
      });
      let counter: TokenCounter | undefined;
      found = {
        entry,
        client,
        // The tokenizer takes a while to build: only for an encoding a turn needs.
        get counter() {
          counter ??= getTokenCounter(entry.model);
          return counter;
        },
      };
      profiles.set(entry.name, found);
    }
    return found;
  };

  return {
    defaultName: defaultEntry.name,
    entries: catalogue.entries,
    entry: (name) => byName.get(name.toLowerCase()),
    profile,
    calibration,
    truncationNotice(name) {
      const entry = byName.get(name.toLowerCase());
      const truncated = entry ? calibration.state(entry.name)?.truncated : undefined;
      return entry && truncated
        ? truncationWarning(entry, truncated.sentTokens, truncated.reportedTokens)
        : undefined;
    },
  };
}

/** The encoding a catalogue entry is counted in. */
export function entryEncoding(entry: CatalogueEntry): EncodingName {
  return encodingForModel(entry.model);
}

function logEntry(logger: Logger, entry: CatalogueEntry): void {
  const facts = {
    model: entry.name,
    serves: entry.model,
    api: entry.api,
    contextWindow: entry.contextWindow,
    maxReplyTokens: entry.maxReplyTokens,
    priced: entry.price !== null,
  };
  if (entry.windowKnown) {
    logger.info(facts, 'model available');
    return;
  }
  const setting =
    entry.name === 'default' ? 'MAX_CONTEXT_TOKENS' : `context_window of "${entry.name}" in MODELS_FILE`;
  logger.warn(
    facts,
    `the context window of ${entry.model} is unknown: budgeting a conservative ${entry.contextWindow} tokens. ` +
      `Set ${setting} to the window its server serves (Ollama: OLLAMA_CONTEXT_LENGTH or num_ctx)`,
  );
}
