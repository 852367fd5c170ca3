import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.ts';
import { configError } from './config-error.ts';

const base = { OPENAI_API_KEY: 'sk-test' };

describe('ADMIN_TOKEN', () => {
  it('leaves the operator page off when unset or empty', () => {
    expect(loadConfig(base).admin.token).toBeUndefined();
    expect(loadConfig({ ...base, ADMIN_TOKEN: '  ' }).admin.token).toBeUndefined();
  });

  it('takes a token of 16 characters or more, trimmed', () => {
    expect(loadConfig({ ...base, ADMIN_TOKEN: ' 0123456789abcdef ' }).admin.token).toBe('0123456789abcdef');
  });

  it('refuses a short token, naming the variable and how to make a good one', () => {
    const error = configError({ ...base, ADMIN_TOKEN: 'secret' });
    expect(error.variable).toBe('ADMIN_TOKEN');
    expect(error.message).toContain('at least 16 characters');
    expect(error.message).toContain('openssl rand');
  });
});
