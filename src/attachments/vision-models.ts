/** Whether the model is given images: `auto` asks the table below, `on` and `off` override it. */
export type VisionSetting = 'auto' | 'on' | 'off';

/** One row of the vision table: names that match see images, unless an exclusion matches first. */
interface VisionFamily {
  /** Matched against the normalized name (see `normalizeModelName`). */
  pattern: RegExp;
  /** Who makes it and which variants, for whoever updates the table. */
  family: string;
}

/** Variants of vision families that take no images; checked before the families. */
const TEXT_ONLY: readonly VisionFamily[] = [
  { pattern: /^o1-(mini|preview)/, family: 'OpenAI o1-mini, o1-preview' },
  { pattern: /^o3-mini/, family: 'OpenAI o3-mini' },
  {
    pattern: /-(audio|realtime|transcribe|tts|search)(-|$)/,
    family: 'OpenAI audio, realtime and search variants',
  },
  { pattern: /embed/, family: 'embedding models' },
  { pattern: /^gemma-?3n?[:-](270m|1b)/, family: 'Gemma 3 270M and 1B (text only)' },
];

/** Model families that accept images as input. */
const VISION_FAMILIES: readonly VisionFamily[] = [
  { pattern: /^(chat)?gpt-4o/, family: 'OpenAI GPT-4o, GPT-4o mini' },
  { pattern: /^gpt-4\.(1|5)/, family: 'OpenAI GPT-4.1 (mini, nano), GPT-4.5' },
  { pattern: /^gpt-5/, family: 'OpenAI GPT-5 (mini, nano, chat)' },
  { pattern: /^(o1|o3)(-|$|:)/, family: 'OpenAI o1, o1-pro, o3, o3-pro' },
  { pattern: /^o4-mini/, family: 'OpenAI o4-mini' },
  { pattern: /^gpt-4-turbo|^gpt-4-(\d+-)?vision/, family: 'OpenAI GPT-4 Turbo, GPT-4 Vision preview' },
  { pattern: /^claude-(3|(opus|sonnet|haiku)-[4-9])/, family: 'Anthropic Claude 3, 3.5, 3.7, 4 and later' },
  { pattern: /^gemini-(1\.5|[2-9]|pro-vision|exp)/, family: 'Google Gemini 1.5 and later' },
  { pattern: /^gemma-?3(?!n)/, family: 'Google Gemma 3 (4B and larger)' },
  { pattern: /^(bak)?llava/, family: 'LLaVA, BakLLaVA' },
  { pattern: /^llama-?3\.2.*vision/, family: 'Meta Llama 3.2 Vision' },
  { pattern: /^llama-?4/, family: 'Meta Llama 4 Scout, Maverick' },
  { pattern: /^(qwen[\d.]*-?vl|qvq)/, family: 'Qwen-VL, Qwen2-VL, Qwen2.5-VL, Qwen3-VL, QVQ' },
  { pattern: /^pixtral/, family: 'Mistral Pixtral' },
  { pattern: /^mistral-(small-?3\.[1-9]|medium-?3)/, family: 'Mistral Small 3.1+, Medium 3' },
  { pattern: /^minicpm-v|^moondream|^internvl|^molmo|^cogvlm/, family: 'open vision models' },
  { pattern: /^phi-?(3(\.5)?-vision|4-multimodal)/, family: 'Microsoft Phi-3 Vision, Phi-4 multimodal' },
  { pattern: /^granite[\d.]*-vision/, family: 'IBM Granite Vision' },
  { pattern: /^grok-(2-vision|4)/, family: 'xAI Grok 2 Vision, Grok 4' },
];

/**
 * A model name as the table matches it: lower case, without a fine-tune wrapper (`ft:gpt-4o:org::id`) or a
 * provider prefix (OpenRouter's `openai/gpt-4o`, `meta-llama/llama-3.2-11b-vision-instruct`). Ollama's size
 * tag (`gemma3:1b`) is kept, since it decides whether some families see images.
 */
export function normalizeModelName(model: string): string {
  return model.trim().toLowerCase().replace(/^ft:/, '').replace(/^.*\//, '');
}

/** Whether a model is known to accept images; unknown models are assumed not to (set `on` to override). */
export function supportsVision(model: string): boolean {
  const name = normalizeModelName(model);
  if (TEXT_ONLY.some((row) => row.pattern.test(name))) return false;
  return VISION_FAMILIES.some((row) => row.pattern.test(name));
}

/** Whether images go to the model under a setting: `on`/`off` as said, `auto` by `supportsVision`. */
export function visionEnabled(setting: VisionSetting, model: string): boolean {
  if (setting === 'on') return true;
  if (setting === 'off') return false;
  return supportsVision(model);
}
