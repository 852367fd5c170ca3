/** The tool settings: `MCP_CONFIG` (a JSON file in the common `{"mcpServers": …}` format), `TOOLS` and limits. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { McpServerSettings, ToolDefaults, ToolSettings } from '../tools/mcp-server-settings.ts';
import type { Environment } from './config.ts';
import { ConfigError } from './errors.ts';

const stringMap = z.record(z.string(), z.string()).default({});

/** One entry of `mcpServers`, with Parley's own `confirm` options (server-wide, or per tool under `tools`). */
const serverEntry = z
  .object({
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: stringMap,
    cwd: z.string().optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    headers: stringMap,
    confirm: z.boolean().default(false),
    tools: z.record(z.string(), z.object({ confirm: z.boolean().default(false) })).default({}),
  })
  .refine((entry) => (entry.command === undefined) !== (entry.url === undefined), {
    message: 'give either "command" (stdio) or "url" (Streamable HTTP / SSE), not both or neither',
  });

const fileSchema = z.object({ mcpServers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), serverEntry) });

/** Reads and checks the `MCP_CONFIG` file; every problem names the variable, the file and the entry. */
function readMcpConfig(path: string): McpServerSettings[] {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`MCP_CONFIG: cannot read ${path} (${(error as Error).message}).`, 'MCP_CONFIG');
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(
      `MCP_CONFIG: ${path} is not valid JSON (${(error as Error).message}).`,
      'MCP_CONFIG',
    );
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || 'the top level';
    throw new ConfigError(
      `MCP_CONFIG: ${path} is invalid at ${where} (${issue.message}) — expected {"mcpServers": {"name": {"command": …} or {"url": …}}}.`,
      'MCP_CONFIG',
    );
  }
  // A relative working directory is relative to the file, as other MCP clients read it.
  const base = dirname(resolve(path));
  return Object.entries(parsed.data.mcpServers).map(([name, entry]) => ({
    name,
    transport:
      entry.command !== undefined
        ? {
            kind: 'stdio' as const,
            command: entry.command,
            args: entry.args,
            env: entry.env,
            ...(entry.cwd ? { cwd: resolve(base, entry.cwd) } : {}),
          }
        : { kind: 'http' as const, url: entry.url!, headers: entry.headers },
    confirm: {
      all: entry.confirm,
      tools: Object.entries(entry.tools)
        .filter(([, tool]) => tool.confirm)
        .map(([tool]) => tool),
    },
  }));
}

/** `TOOLS`: `all`, `none` or a comma-separated list of servers and `server.tool` names. */
function toolDefaults(value: string | undefined, servers: readonly McpServerSettings[]): ToolDefaults {
  if (value === undefined || value.toLowerCase() === 'all') return { kind: 'all' };
  if (value.toLowerCase() === 'none') return { kind: 'none' };
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    const server = name.split('.')[0]!;
    if (!servers.some((entry) => entry.name === server)) {
      throw new ConfigError(
        `TOOLS names "${name}", but MCP_CONFIG has no server "${server}" — use all, none, or names of configured servers (server or server.tool).`,
        'TOOLS',
      );
    }
  }
  return { kind: 'list', names };
}

/** The tool settings of the environment; `undefined` when there are neither MCP servers nor web search. */
export function toolSettings(e: Environment): ToolSettings | undefined {
  if (e.WEB_SEARCH && e.MODEL_API !== 'responses') {
    throw new ConfigError(
      "WEB_SEARCH=on needs MODEL_API=responses (OpenAI's built-in web search is a Responses API tool) — set MODEL_API=responses, or use a search MCP server instead.",
      'WEB_SEARCH',
    );
  }
  // An ingress never runs tools; it does not read the file either.
  const servers = e.MCP_CONFIG && e.PARLEY_ROLE !== 'ingress' ? readMcpConfig(e.MCP_CONFIG) : [];
  if (servers.length === 0 && !e.WEB_SEARCH) return undefined;
  return {
    servers,
    defaults: toolDefaults(e.TOOLS, servers),
    maxRounds: e.MAX_TOOL_ROUNDS,
    timeoutMs: e.TOOL_TIMEOUT_MS,
    confirmTimeoutMs: e.TOOL_CONFIRM_TIMEOUT_MS,
    maxResultTokens: e.MAX_TOOL_RESULT_TOKENS,
    webSearch: e.WEB_SEARCH,
  };
}
