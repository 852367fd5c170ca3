/**
 * The model catalogue: the models a deployment offers, by name. The environment's single model (`MODEL`,
 * `OPENAI_BASE_URL`, …) is always the entry `default`; `MODELS_FILE` (YAML or JSON, parsed here by
 * `parseModelCatalogue`) adds named entries. Each entry carries what a turn needs of its model: endpoint, API,
 * window, reply cap, prices, vision and tools. A conversation picks one with the `model` command.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../app/errors.ts';
import type { ModelPrice } from '../usage/prices.ts';
import { priceOf } from '../usage/prices.ts';
import { readCatalogueEntries } from './catalogue-entry-schema.ts';
import { knownContextWindow, UNKNOWN_MODEL_WINDOW } from './known-models.ts';

/** The name of the environment's model in the catalogue. */
export const DEFAULT_MODEL_NAME = 'default';

/** Largest window budgeted by default (a bigger known window costs more per turn than chat needs). */
export const DEFAULT_WINDOW_CAP = 128_000;

/** One model a conversation can use. */
export interface CatalogueEntry {
  /** The name people pick it by (`model <name>`). */
  name: string;
  /** Model name sent to the endpoint. */
  model: string;
  /** Base URL of the OpenAI-compatible API; OpenAI's when unset. */
  baseUrl: string | undefined;
  /** API key (read from the variable `api_key_env` names); none for local servers. */
  apiKey: string | undefined;
  /** Chat Completions (history resent) or Responses (chained server-side). */
  api: 'chat' | 'responses';
  /** Budget of a whole request, prompt plus reply, in tokens. */
  contextWindow: number;
  /** Whether the window was configured or known from the model's name (else the conservative default). */
  windowKnown: boolean;
  /** Tokens reserved for, and asked of, the reply. */
  maxReplyTokens: number;
  /** Prices per 1M tokens: the entry's own, else the price table's; `null` when unknown. */
  price: ModelPrice | null;
  /** Whether images go to it: `auto` asks the table of known vision models. */
  vision: 'auto' | 'on' | 'off';
  /** Whether tools may be offered to it. */
  tools: boolean;
  /** Sampling temperature; the endpoint's default when unset. */
  temperature: number | undefined;
  /** Per attempt: time until the response starts and longest silence between chunks. */
  timeoutMs: number;
  /** Retries by the SDK before the reply starts. */
  maxRetries: number;
}

/** Every model of the deployment. */
export interface ModelCatalogue {
  /** The entry conversations use until `model <name>` picks another (`default`). */
  defaultName: string;
  /** The entries, `default` first. */
  entries: CatalogueEntry[];
}

/** What file entries inherit from the environment when they do not say. */
export type CatalogueDefaults = Pick<
  CatalogueEntry,
  'maxReplyTokens' | 'temperature' | 'timeoutMs' | 'maxRetries' | 'vision'
>;

/** The window budgeted for a model that does not set one: the known window (capped), else 8k. */
export function defaultWindow(model: string): { contextWindow: number; windowKnown: boolean } {
  const known = knownContextWindow(model);
  return known === undefined
    ? { contextWindow: UNKNOWN_MODEL_WINDOW, windowKnown: false }
    : { contextWindow: Math.min(known, DEFAULT_WINDOW_CAP), windowKnown: true };
}

/** The environment's model (`MODEL`, `OPENAI_BASE_URL`, … as parsed by config.ts) as the entry `default`. */
export function environmentEntry(model: {
  /** `MODEL`. */
  name: string;
  /** `OPENAI_BASE_URL`. */
  baseUrl: string | undefined;
  /** `OPENAI_API_KEY`. */
  apiKey: string | undefined;
  /** `MODEL_API`. */
  api: 'chat' | 'responses';
  /** `MAX_CONTEXT_TOKENS`, or the model's default window. */
  maxContextTokens: number;
  /** Whether `MAX_CONTEXT_TOKENS` was set. */
  windowSet: boolean;
  /** `MAX_REPLY_TOKENS`. */
  maxReplyTokens: number;
  /** `VISION`. */
  vision: CatalogueEntry['vision'];
  /** `TEMPERATURE`. */
  temperature: number | undefined;
  /** `MODEL_TIMEOUT_MS`. */
  timeoutMs: number;
  /** `MODEL_MAX_RETRIES`. */
  maxRetries: number;
}): CatalogueEntry {
  return {
    name: DEFAULT_MODEL_NAME,
    model: model.name,
    baseUrl: model.baseUrl,
    apiKey: model.apiKey,
    api: model.api,
    contextWindow: model.maxContextTokens,
    windowKnown: model.windowSet || defaultWindow(model.name).windowKnown,
    maxReplyTokens: model.maxReplyTokens,
    price: priceOf(model.name),
    vision: model.vision,
    tools: true,
    temperature: model.temperature,
    timeoutMs: model.timeoutMs,
    maxRetries: model.maxRetries,
  };
}

/**
 * Parses `MODELS_FILE`'s text (YAML or JSON) into entries after `defaultEntry`. Throws `ConfigError` on
 * `MODELS_FILE` naming the entry and the field: unknown fields, missing or mistyped ones, an `api_key_env`
 * whose variable is unset, a reply cap not below the window, a reused name.
 */
export function parseModelCatalogue(
  text: string,
  options: {
    file: string;
    env: Record<string, string | undefined>;
    defaults: CatalogueDefaults;
    defaultEntry: CatalogueEntry;
    /** Whether keys must be present (an ingress never calls a model, so it need not hold them). */
    requireKeys?: boolean;
  },
): ModelCatalogue {
  const fail = (message: string): never => {
    throw new ConfigError(`MODELS_FILE (${options.file}): ${message}.`, 'MODELS_FILE');
  };
  const entries: CatalogueEntry[] = [options.defaultEntry];
  for (const raw of readCatalogueEntries(text, fail)) {
    const where = `entry "${raw.name}"`;
    if (raw.name.toLowerCase() === DEFAULT_MODEL_NAME)
      fail(`${where}: the name "default" is the environment's model (MODEL); pick another name`);
    if (entries.some((entry) => entry.name.toLowerCase() === raw.name.toLowerCase()))
      fail(`${where}: the name is used twice`);
    let apiKey: string | undefined;
    if (raw.api_key_env !== undefined) {
      apiKey = options.env[raw.api_key_env]?.trim() || undefined;
      if (!apiKey && options.requireKeys !== false)
        fail(`${where}: field api_key_env names ${raw.api_key_env}, which is not set`);
    } else if (raw.base_url === undefined && options.requireKeys !== false) {
      fail(`${where}: field api_key_env is missing (OpenAI needs a key; a local server needs base_url)`);
    }
    const window =
      raw.context_window === undefined
        ? defaultWindow(raw.model)
        : { contextWindow: raw.context_window, windowKnown: true };
    const maxReplyTokens = raw.max_reply_tokens ?? options.defaults.maxReplyTokens;
    if (maxReplyTokens >= window.contextWindow)
      fail(
        `${where}: field max_reply_tokens (${maxReplyTokens}) must be smaller than its context_window (${window.contextWindow})`,
      );
    const vision = raw.vision === undefined ? options.defaults.vision : raw.vision ? 'on' : 'off';
    entries.push({
      name: raw.name,
      model: raw.model,
      baseUrl: raw.base_url,
      apiKey,
      api: raw.api ?? 'chat',
      ...window,
      maxReplyTokens,
      price: raw.prices ? toPrice(raw.prices) : priceOf(raw.model),
      vision,
      tools: raw.tools ?? true,
      temperature: raw.temperature ?? options.defaults.temperature,
      timeoutMs: options.defaults.timeoutMs,
      maxRetries: options.defaults.maxRetries,
    });
  }
  return { defaultName: DEFAULT_MODEL_NAME, entries };
}

function toPrice(prices: { input: number; cached?: number; output: number }): ModelPrice {
  const price: ModelPrice = { inputPerMillion: prices.input, outputPerMillion: prices.output };
  if (prices.cached !== undefined) price.cachedInputPerMillion = prices.cached;
  return price;
}

/** Reads and parses the catalogue file `file` (see `parseModelCatalogue`); an unreadable file is a `ConfigError`. */
export function loadModelCatalogue(
  file: string,
  options: Omit<Parameters<typeof parseModelCatalogue>[1], 'file'>,
): ModelCatalogue {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `MODELS_FILE (${file}) cannot be read (${(error as Error).message}) — point it at a YAML or JSON model catalogue.`,
      'MODELS_FILE',
    );
  }
  return parseModelCatalogue(text, { ...options, file });
}
