import { describe, expect, it } from 'vitest';
import { normalizeModelName, supportsVision, visionEnabled } from '../../../src/attachments/vision-models.ts';

const SEES_IMAGES = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4o-2024-08-06',
  'chatgpt-4o-latest',
  'gpt-4.1',
  'gpt-4.1-nano',
  'gpt-4.5-preview',
  'gpt-5',
  'gpt-5-mini',
  'o1',
  'o1-2024-12-17',
  'o1-pro',
  'o3',
  'o4-mini',
  'gpt-4-turbo',
  'gpt-4-turbo-2024-04-09',
  'gpt-4-vision-preview',
  'claude-3-5-sonnet-20241022',
  'claude-3-haiku-20240307',
  'claude-sonnet-4-20250514',
  'claude-opus-4-1',
  'llava',
  'llava:13b',
  'llama3.2-vision',
  'llama3.2-vision:11b',
  'qwen2-vl-7b-instruct',
  'qwen2.5vl:7b',
  'qwen2.5-vl-72b-instruct',
  'gemma3',
  'gemma3:27b',
  'pixtral-12b-2409',
  'gemini-2.0-flash',
  'openai/gpt-4o',
  'anthropic/claude-3.5-sonnet',
  'meta-llama/llama-3.2-11b-vision-instruct',
  'qwen/qwen2.5-vl-32b-instruct:free',
  'google/gemma-3-27b-it',
  'mistralai/pixtral-large-2411',
  'ft:gpt-4o-2024-08-06:acme::abc123',
  'GPT-4O',
];

const TEXT_ONLY = [
  'gpt-3.5-turbo',
  'gpt-4',
  'gpt-4-0613',
  'o1-mini',
  'o1-preview',
  'o3-mini',
  'gpt-4o-audio-preview',
  'gpt-4o-realtime-preview',
  'gpt-4o-mini-tts',
  'text-embedding-3-small',
  'claude-2.1',
  'claude-instant-1.2',
  'llama3',
  'llama3.1:8b',
  'mistral',
  'qwen2.5:7b',
  'gemma2',
  'gemma3:1b',
  'google/gemma-3-1b-it',
  'deepseek-r1',
  'openai/gpt-3.5-turbo',
  '',
];

describe('supportsVision', () => {
  it.each(SEES_IMAGES)('knows %s sees images', (model) => {
    expect(supportsVision(model)).toBe(true);
  });

  it.each(TEXT_ONLY)('knows %s does not', (model) => {
    expect(supportsVision(model)).toBe(false);
  });

  it('strips provider prefixes and fine-tune wrappers but keeps size tags', () => {
    expect(normalizeModelName(' OpenAI/GPT-4o ')).toBe('gpt-4o');
    expect(normalizeModelName('ft:gpt-4o-mini:org::id')).toBe('gpt-4o-mini:org::id');
    expect(normalizeModelName('gemma3:1b')).toBe('gemma3:1b');
  });
});

describe('visionEnabled', () => {
  it('follows the table on auto and the setting otherwise', () => {
    expect(visionEnabled('auto', 'gpt-4o')).toBe(true);
    expect(visionEnabled('auto', 'gpt-3.5-turbo')).toBe(false);
    expect(visionEnabled('on', 'my-local-model')).toBe(true);
    expect(visionEnabled('off', 'gpt-4o')).toBe(false);
  });
});
