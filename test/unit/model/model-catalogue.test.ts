import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.ts';
import { ConfigError } from '../../../src/app/errors.ts';
import { contextWindowOf } from '../../../src/model/known-models.ts';
import { encodingForModel } from '../../../src/model/token-counter.ts';
import { priceOf } from '../../../src/usage/prices.ts';

const folder = mkdtempSync(join(tmpdir(), 'parley-catalogue-'));
let files = 0;

/** Writes `text` as a catalogue file and loads the config with it. */
function withCatalogue(text: string, env: Record<string, string> = {}, extension = 'yaml') {
  const file = join(folder, `models-${++files}.${extension}`);
  writeFileSync(file, text);
  return loadConfig({ OPENAI_API_KEY: 'sk-env', MODELS_FILE: file, ...env });
}

function catalogueError(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    withCatalogue(text, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('MODELS_FILE');
    return error as ConfigError;
  }
  throw new Error('expected a configuration error');
}

const MIXED = `
models:
  gpt:
    model: gpt-4.1-mini
    api_key_env: OPENAI_KEY_2
    api: responses
  local:
    model: llama3.2:3b
    base_url: http://localhost:11434/v1
    context_window: 8192
    max_reply_tokens: 512
    prices: { input: 0, output: 0 }
    vision: false
    tools: false
`;

describe('the model catalogue (MODELS_FILE)', () => {
  it('keeps the environment model as `default` when no file is set', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk', MODEL: 'gpt-4o' });
    expect(config.models.defaultName).toBe('default');
    expect(config.models.entries).toHaveLength(1);
    expect(config.models.entries[0]).toMatchObject({
      name: 'default',
      model: 'gpt-4o',
      apiKey: 'sk',
      contextWindow: 128_000,
      price: priceOf('gpt-4o'),
    });
  });

  it('reads OpenAI and Ollama entries beside the default, with their keys, windows and prices', () => {
    const config = withCatalogue(MIXED, { OPENAI_KEY_2: 'sk-second' });
    const [first, gpt, local] = config.models.entries;
    expect(first?.name).toBe('default');
    expect(gpt).toMatchObject({
      name: 'gpt',
      model: 'gpt-4.1-mini',
      apiKey: 'sk-second',
      api: 'responses',
      baseUrl: undefined,
      contextWindow: 128_000,
      windowKnown: true,
      maxReplyTokens: 1000,
      price: priceOf('gpt-4.1-mini'),
    });
    expect(local).toMatchObject({
      name: 'local',
      model: 'llama3.2:3b',
      apiKey: undefined,
      api: 'chat',
      contextWindow: 8192,
      maxReplyTokens: 512,
      price: { inputPerMillion: 0, outputPerMillion: 0 },
      vision: 'off',
      tools: false,
    });
  });

  it('reads JSON as well, and an unknown model without a window gets the conservative 8k', () => {
    const json = JSON.stringify({
      models: { qwen: { model: 'qwen2.5:7b', base_url: 'http://vllm:8000/v1' } },
    });
    const config = withCatalogue(json, {}, 'json');
    expect(config.models.entries[1]).toMatchObject({ contextWindow: 8_192, windowKnown: false, price: null });
  });

  it.each([
    [
      'an unknown field',
      'models:\n  local:\n    model: x\n    base_url: http://h/v1\n    contxt_window: 4096\n',
      /entry "local": unknown field "contxt_window"/,
    ],
    [
      'an unknown price field',
      'models:\n  local:\n    model: x\n    base_url: http://h/v1\n    prices: { input: 1, output: 2, batch: 1 }\n',
      /entry "local": unknown field "prices.batch"/,
    ],
    [
      'a missing model',
      'models:\n  local:\n    base_url: http://h/v1\n',
      /entry "local": field model is missing/,
    ],
    [
      'a missing key for OpenAI',
      'models:\n  gpt:\n    model: gpt-4o\n',
      /entry "gpt": field api_key_env is missing/,
    ],
    [
      'an unset key variable',
      'models:\n  gpt:\n    model: gpt-4o\n    api_key_env: NOT_SET_ANYWHERE\n',
      /entry "gpt": field api_key_env names NOT_SET_ANYWHERE, which is not set/,
    ],
    [
      'a wrong type',
      'models:\n  local:\n    model: x\n    base_url: http://h/v1\n    context_window: big\n',
      /entry "local": field context_window is invalid/,
    ],
    [
      'a bad api',
      'models:\n  local:\n    model: x\n    base_url: http://h/v1\n    api: completions\n',
      /entry "local": field api is invalid/,
    ],
    [
      'a reply cap above the window',
      'models:\n  local:\n    model: x\n    base_url: http://h/v1\n    context_window: 1024\n    max_reply_tokens: 2000\n',
      /entry "local": field max_reply_tokens \(2000\) must be smaller/,
    ],
    [
      'the reserved name',
      'models:\n  default:\n    model: x\n    base_url: http://h/v1\n',
      /entry "default": the name "default" is the environment's model/,
    ],
    ['an unknown top-level field', 'model:\n  local:\n    model: x\n', /unknown field "model"/],
    ['no mapping', '- a\n- b\n', /expected a mapping/],
    ['broken YAML', 'models: [unclosed\n', /not valid YAML or JSON/],
  ])('refuses %s, naming the entry and the field', (_what, text, message) => {
    expect(catalogueError(text).message).toMatch(message);
  });

  it('names an unreadable file', () => {
    expect(() => loadConfig({ OPENAI_API_KEY: 'sk', MODELS_FILE: join(folder, 'missing.yaml') })).toThrow(
      /MODELS_FILE .*missing\.yaml.* cannot be read/,
    );
  });
});

describe('OpenRouter-style names', () => {
  it.each(['gpt-4o-mini', 'gpt-4.1', 'gpt-5-mini', 'o3'])(
    'find window, price and encoding of openai/%s',
    (name) => {
      expect(contextWindowOf(`openai/${name}`)).toBe(contextWindowOf(name));
      expect(priceOf(`openai/${name}`)).toBe(priceOf(name));
      expect(encodingForModel(`openai/${name}`)).toBe(encodingForModel(name));
    },
  );

  it('knows the current families: gpt-5 400k, gpt-4.1 about 1M, o-series 200k', () => {
    expect(contextWindowOf('gpt-5-nano')).toBe(400_000);
    expect(contextWindowOf('gpt-4.1-nano')).toBe(1_047_576);
    expect(contextWindowOf('o4-mini')).toBe(200_000);
    expect(contextWindowOf('llama3.1:8b')).toBe(8_192);
  });
});
