import type { AttachmentOutcomeEvent, ImageDetail } from './attachment.ts';

/** How attachments are prepared; only `model` and `vision` are required. */
export interface PrepareOptions {
  /** The model the files are for: its tokenizer counts and caps the text. */
  model: string;
  /** Whether the model is given images (see `visionEnabled`); if not, images are skipped as `vision_off`. */
  vision: boolean;
  /** Most bytes downloaded or accepted per file; default 25 MB. */
  maxBytes?: number;
  /** Most bytes per image (the product's `MAX_IMAGE_BYTES`); default 20 MB, OpenAI's limit. */
  maxImageBytes?: number;
  /** Most pixels an image header may claim; default 50 megapixels. */
  maxPixels?: number;
  /** Most tokens of text per file (the product's `MAX_FILE_TOKENS`); default 8,000. */
  maxFileTokens?: number;
  /** Most files read from one message; the rest are `too_many_files`. Default 10. */
  maxFiles?: number;
  /** Files prepared at once; default 3. */
  concurrency?: number;
  /** Time allowed for each download; default 30 s. */
  timeoutMs?: number;
  /** The detail images are sent (and counted) at; default `auto`. */
  imageDetail?: ImageDetail;
  /** The fetch downloads use (the global, undici's, by default). */
  fetch?: typeof fetch;
  /** Aborts the downloads (shutdown); an abort is rethrown, not turned into skips. */
  signal?: AbortSignal;
  /** Hosts a bearer token may follow a redirect to; default Slack's (see `authorization-redirect.ts`). */
  trustedHosts?: readonly string[];
  /** Told each file's outcome, for metrics (files by kind and outcome; bytes downloaded). */
  onOutcome?: (event: AttachmentOutcomeEvent) => void;
}

/** `PrepareOptions` with every default filled in. */
export type ResolvedPrepareOptions = Required<
  Omit<PrepareOptions, 'fetch' | 'signal' | 'trustedHosts' | 'onOutcome'>
> &
  Pick<PrepareOptions, 'fetch' | 'signal' | 'trustedHosts' | 'onOutcome'>;

const MEGABYTE = 1024 * 1024;

/** The defaults, as the product's configuration names them. */
export const PREPARE_DEFAULTS = {
  maxBytes: 25 * MEGABYTE,
  maxImageBytes: 20 * MEGABYTE,
  maxPixels: 50_000_000,
  maxFileTokens: 8_000,
  maxFiles: 10,
  concurrency: 3,
  timeoutMs: 30_000,
  imageDetail: 'auto',
} as const satisfies Partial<PrepareOptions>;

/** Fewest tokens a file cap may be: room for a heading and a truncation marker. */
const MIN_FILE_TOKENS = 32;

/** Fills in defaults and rejects limits that are not positive integers (a programmer error, so it throws). */
export function resolvePrepareOptions(options: PrepareOptions): ResolvedPrepareOptions {
  const resolved: ResolvedPrepareOptions = {
    ...PREPARE_DEFAULTS,
    ...withoutUndefined(options),
    model: options.model,
    vision: options.vision,
  };
  for (const name of [
    'maxBytes',
    'maxImageBytes',
    'maxPixels',
    'maxFiles',
    'concurrency',
    'timeoutMs',
  ] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value <= 0)
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(resolved.maxFileTokens) || resolved.maxFileTokens < MIN_FILE_TOKENS) {
    throw new RangeError(
      `maxFileTokens must be an integer of at least ${MIN_FILE_TOKENS}, got ${resolved.maxFileTokens}`,
    );
  }
  if (resolved.model.trim() === '') throw new RangeError('model must name the model the files are for');
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
