import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.ts';
import { configError } from './config-error.ts';

const base = { OPENAI_API_KEY: 'sk-test' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.model.name).toBe('gpt-4o-mini');
    expect(config.model.maxReplyTokens).toBe(1000);
    expect(config.model.maxContextTokens).toBe(128_000);
    expect(config.role).toBe('all');
    expect(config.workerConcurrency).toBe(200);
    expect(config.http).toEqual({ port: 3000, host: '0.0.0.0' });
    expect(config.httpClient).toBe('node');
    expect(config.redis).toBeUndefined();
    expect(config.slack).toBeUndefined();
    expect(config.discord).toBeUndefined();
  });

  it('falls back to a conservative 8192-token window for unknown models', () => {
    const config = loadConfig({ OPENAI_BASE_URL: 'http://localhost:11434/v1', MODEL: 'llama3.2' });
    expect(config.model.maxContextTokens).toBe(8_192);
    expect(config.models.entries[0]).toMatchObject({
      name: 'default',
      contextWindow: 8_192,
      windowKnown: false,
    });
  });

  it('explains how to configure a model when none is', () => {
    const error = configError({});
    expect(error.variable).toBe('OPENAI_API_KEY');
    expect(error.message).toContain('OPENAI_BASE_URL=http://localhost:11434/v1');
    expect(error.message).toMatch(/Ollama/);
  });

  it.each([
    ['MAX_REPLY_TOKENS', 'many'],
    ['MAX_CONTEXT_TOKENS', '12.5'],
    ['PARLEY_ROLE', 'boss'],
    ['REDIS_URL', 'not a url'],
    ['TEMPERATURE', '3'],
    ['PORT', '70000'],
    ['SLACK_IGNORE_BOTS', 'maybe'],
    ['HTTP_CLIENT', 'curl'],
  ])('names %s when its value %j is invalid', (variable, value) => {
    const error = configError({ ...base, [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable} is invalid`)).toBe(true);
  });

  it('rejects a reply budget that leaves no room for the prompt', () => {
    const error = configError({ ...base, MAX_CONTEXT_TOKENS: '1000', MAX_REPLY_TOKENS: '1000' });
    expect(error.variable).toBe('MAX_REPLY_TOKENS');
  });

  it('needs a signing secret or an app token with the Slack bot token, and the bot token with either', () => {
    expect(configError({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' }).variable).toBe('SLACK_SIGNING_SECRET');
    expect(configError({ ...base, SLACK_SIGNING_SECRET: 's' }).variable).toBe('SLACK_BOT_TOKEN');
    const slack = loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack;
    expect(slack).toMatchObject({ botToken: 'xoxb-1', appToken: 'xapp-1', ignoreBots: true });
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ ...base, REDIS_URL: '', MODEL: '  ', DISCORD_TOKEN: '' });
    expect(config.redis).toBeUndefined();
    expect(config.model.name).toBe('gpt-4o-mini');
    expect(config.discord).toBeUndefined();
  });
});
