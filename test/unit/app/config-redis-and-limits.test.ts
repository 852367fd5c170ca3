import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.ts';
import { configError } from './config-error.ts';

const base = { OPENAI_API_KEY: 'sk-test' };

describe('numbers and URLs that cannot work are configuration errors', () => {
  it.each([
    ['MODEL_TIMEOUT_MS', '99999999999'],
    ['TURN_LOCK_MS', String(2 ** 31)],
    ['TURN_DEADLINE_MS', '1e12'],
  ])('%s=%s is above what a timer can hold', (variable, value) => {
    const error = configError({ ...base, [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(String(2 ** 31 - 1));
  });

  it('accepts the largest timer Node can hold', () => {
    expect(loadConfig({ ...base, MODEL_TIMEOUT_MS: String(2 ** 31 - 1) }).model.timeoutMs).toBe(2 ** 31 - 1);
  });

  it.each(['localhost:11434/v1', 'ftp://models.example/v1', 'ws://127.0.0.1:1234/v1'])(
    'OPENAI_BASE_URL=%s is not an http(s) URL',
    (value) => {
      const error = configError({ ...base, OPENAI_BASE_URL: value });
      expect(error.variable).toBe('OPENAI_BASE_URL');
      expect(error.message).toContain('http:// or https://');
    },
  );

  it.each(['http://127.0.0.1:6379', 'localhost:6379', 'unix:///tmp/redis.sock'])(
    'REDIS_URL=%s is not a redis:// or rediss:// URL',
    (value) => {
      const error = configError({ ...base, REDIS_URL: value });
      expect(error.variable).toBe('REDIS_URL');
      expect(error.message).toContain('redis:// or rediss://');
    },
  );

  it('turn deadline defaults to 120 s', () => {
    expect(loadConfig(base).turnDeadlineMs).toBe(120_000);
  });
});

describe('how to reach Redis', () => {
  it('a URL is one server', () => {
    expect(loadConfig({ ...base, REDIS_URL: 'rediss://:pw@cache.example:6380' }).redis).toEqual({
      mode: 'single',
      url: 'rediss://:pw@cache.example:6380',
    });
  });

  it('REDIS_CLUSTER_NODES are the seed nodes of a cluster, with password and TLS', () => {
    const config = loadConfig({
      ...base,
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002',
      REDIS_PASSWORD: 'secret',
      REDIS_TLS: 'true',
    });
    expect(config.redis).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      password: 'secret',
      tls: true,
    });
  });

  it('REDIS_SENTINELS need REDIS_SENTINEL_NAME', () => {
    expect(configError({ ...base, REDIS_SENTINELS: '127.0.0.1:26379' }).variable).toBe('REDIS_SENTINEL_NAME');
    expect(
      loadConfig({ ...base, REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'mymaster' }).redis,
    ).toEqual({
      mode: 'sentinel',
      sentinels: [{ host: '127.0.0.1', port: 26379 }],
      name: 'mymaster',
      password: undefined,
      tls: false,
    });
  });

  it('names the variable of a malformed node list', () => {
    const error = configError({ ...base, REDIS_CLUSTER_NODES: '127.0.0.1' });
    expect(error.variable).toBe('REDIS_CLUSTER_NODES');
    expect(error.message).toContain('host:port');
  });

  it('refuses two ways at once', () => {
    const error = configError({ ...base, REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' });
    expect(error.variable).toBe('REDIS_CLUSTER_NODES');
    expect(error.message).toContain('choose one');
  });

  it('no Redis settings: the in-memory default', () => {
    expect(loadConfig(base).redis).toBeUndefined();
  });
});

describe('roles', () => {
  it('an ingress needs no model settings: it never calls the model', () => {
    const config = loadConfig({ PARLEY_ROLE: 'ingress', REDIS_URL: 'redis://redis:6379' });
    expect(config.role).toBe('ingress');
  });

  it('a worker still does', () => {
    expect(configError({ PARLEY_ROLE: 'worker', REDIS_URL: 'redis://redis:6379' }).variable).toBe(
      'OPENAI_API_KEY',
    );
  });
});
