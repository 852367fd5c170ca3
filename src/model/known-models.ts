/**
 * What Parley knows of a model by its name alone: its context window. Names are matched the way providers
 * spell them: a routing prefix (`openai/gpt-4o-mini` on OpenRouter, `azure/…`) and letter case do not matter.
 * Models not listed (llama3, qwen, mistral on Ollama or vLLM, …) get `UNKNOWN_MODEL_WINDOW`, a conservative
 * window that Ollama's and llama.cpp's defaults hold, and start-up says so.
 */

/** The window assumed for a model not in the table: small, because local servers often serve 2k–8k. */
export const UNKNOWN_MODEL_WINDOW = 8_192;

// Most specific first: the first pattern that matches wins.
const CONTEXT_WINDOWS: Array<[RegExp, number]> = [
  [/^gpt-5[.\d]*-chat/, 128_000],
  [/^gpt-5/, 400_000],
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-4\.5/, 128_000],
  [/^(chatgpt-)?gpt-4o|^chatgpt-4o/, 128_000],
  [/^o1-mini/, 128_000],
  [/^o[134](-|$)/, 200_000],
  [/^gpt-4-turbo|^gpt-4-(1106|0125)-preview/, 128_000],
  [/^gpt-4-32k/, 32_768],
  [/^gpt-4(-|$)/, 8_192],
  [/^gpt-3\.5-turbo/, 16_385],
];

/** A model name without its routing prefix (`openai/gpt-4o` → `gpt-4o`), trimmed and lower-cased. */
export function bareModelName(model: string): string {
  return model.trim().toLowerCase().replace(/^.*\//, '');
}

/** The context window of a known model, or `undefined` for one Parley does not know. */
export function knownContextWindow(model: string): number | undefined {
  const name = bareModelName(model);
  return CONTEXT_WINDOWS.find(([pattern]) => pattern.test(name))?.[1];
}

/** A model's context window, or `UNKNOWN_MODEL_WINDOW` when unknown. */
export function contextWindowOf(model: string): number {
  return knownContextWindow(model) ?? UNKNOWN_MODEL_WINDOW;
}
