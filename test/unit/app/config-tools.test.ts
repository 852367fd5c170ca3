import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.ts';
import { configError } from './config-error.ts';

const base = { OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' };
const dir = mkdtempSync(join(tmpdir(), 'parley-mcp-config-'));

function mcpFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('tool configuration', () => {
  it('reads stdio and URL servers, per-tool confirmation and the limits, with defaults', () => {
    const file = mcpFile('ok.json', {
      mcpServers: {
        fs: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'],
          tools: { write_file: { confirm: true } },
        },
        fetch: { url: 'https://tools.example.com/mcp', headers: { Authorization: 'Bearer x' } },
      },
    });
    const config = loadConfig({ ...base, MCP_CONFIG: file });
    expect(config.tools).toEqual({
      servers: [
        {
          name: 'fs',
          transport: {
            kind: 'stdio',
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'],
            env: {},
          },
          confirm: { all: false, tools: ['write_file'] },
        },
        {
          name: 'fetch',
          transport: {
            kind: 'http',
            url: 'https://tools.example.com/mcp',
            headers: { Authorization: 'Bearer x' },
          },
          confirm: { all: false, tools: [] },
        },
      ],
      defaults: { kind: 'all' },
      maxRounds: 5,
      timeoutMs: 30_000,
      confirmTimeoutMs: 120_000,
      maxResultTokens: 4_000,
      webSearch: false,
    });
    expect(loadConfig(base).tools).toBeUndefined();
    expect(loadConfig({ ...base, MCP_CONFIG: file, TOOLS: 'fs.read_file,fetch' }).tools?.defaults).toEqual({
      kind: 'list',
      names: ['fs.read_file', 'fetch'],
    });
    expect(loadConfig({ ...base, MODEL_API: 'responses', WEB_SEARCH: 'on' }).tools?.webSearch).toBe(true);
  });

  it('names MCP_CONFIG and the entry when the file is missing, not JSON or malformed', () => {
    expect(configError({ ...base, MCP_CONFIG: join(dir, 'missing.json') })).toMatchObject({
      variable: 'MCP_CONFIG',
    });
    expect(configError({ ...base, MCP_CONFIG: mcpFile('bad.json', '{nope') }).message).toContain(
      'not valid JSON',
    );
    const both = configError({
      ...base,
      MCP_CONFIG: mcpFile('both.json', { mcpServers: { x: { command: 'a', url: 'http://b' } } }),
    });
    expect(both.variable).toBe('MCP_CONFIG');
    expect(both.message).toContain('mcpServers.x');
    expect(configError({ ...base, MCP_CONFIG: mcpFile('top.json', { servers: {} }) }).message).toContain(
      'mcpServers',
    );
  });

  it('rejects TOOLS naming an unknown server, WEB_SEARCH without the Responses API, and bad limits', () => {
    const file = mcpFile('one.json', { mcpServers: { fs: { command: 'x' } } });
    expect(configError({ ...base, MCP_CONFIG: file, TOOLS: 'web' })).toMatchObject({ variable: 'TOOLS' });
    expect(configError({ ...base, WEB_SEARCH: 'on' })).toMatchObject({ variable: 'WEB_SEARCH' });
    expect(configError({ ...base, MAX_TOOL_ROUNDS: '0' })).toMatchObject({ variable: 'MAX_TOOL_ROUNDS' });
    expect(configError({ ...base, TOOL_TIMEOUT_MS: 'soon' })).toMatchObject({ variable: 'TOOL_TIMEOUT_MS' });
    expect(configError({ ...base, MCP_CONFIG: file, TOOL_CONFIRM_TIMEOUT_MS: '10' })).toMatchObject({
      variable: 'TOOL_CONFIRM_TIMEOUT_MS',
    });
    expect(
      loadConfig({ ...base, MCP_CONFIG: file, TOOL_CONFIRM_TIMEOUT_MS: '5000' }).tools?.confirmTimeoutMs,
    ).toBe(5_000);
  });

  it('lets an ingress start without reading the file', () => {
    const config = loadConfig({ ...base, PARLEY_ROLE: 'ingress', MCP_CONFIG: join(dir, 'not-there.json') });
    expect(config.tools).toBeUndefined();
  });
});
