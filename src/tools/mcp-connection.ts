import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type CallToolResult, ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../app/logger.ts';
import type { McpServerSettings } from './mcp-server-settings.ts';

/** One MCP server, kept connected in the background. */
export interface McpConnection {
  /** The server's name in `MCP_CONFIG`. */
  readonly name: string;
  /** Starts connecting (and reconnecting whenever the connection is lost); resolves after the first attempt. */
  start(): Promise<void>;
  /** Whether the server is connected now. */
  connected(): boolean;
  /** The server's tools as last listed; empty while it is not connected. */
  tools(): readonly Tool[];
  /** Calls one tool; rejects when the server is not connected, the call fails or `signal` aborts. */
  call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult>;
  /** Disconnects for good (stops a stdio server's process). */
  close(): Promise<void>;
}

/** What a connection needs besides its settings. */
export interface McpConnectionOptions {
  /** Where to log the server's comings and goings. */
  logger: Logger;
  /** Wait before reconnect attempt `attempt` (1, 2, …); default 1 s doubling up to 30 s. */
  retryDelayMs?: (attempt: number) => number;
  /** Called whenever the server's tool list changes (listed, refreshed, or emptied because it went away). */
  onToolsChanged?: () => void;
}

const CLIENT_INFO = { name: 'parley', version: '1.0.0' };

/** Backoff between reconnects: 1 s, 2 s, 4 s … at most 30 s. */
export function defaultMcpRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Keeps one MCP server connected. A server that cannot be reached, or whose process exits or whose connection
 * fails, is logged and tried again with backoff; meanwhile it offers no tools, and the bot answers without them.
 */
export function createMcpConnection(
  settings: McpServerSettings,
  options: McpConnectionOptions,
): McpConnection {
  const log = options.logger.child({ mcpServer: settings.name });
  const retryDelayMs = options.retryDelayMs ?? defaultMcpRetryDelayMs;
  let client: Client | undefined;
  // Connected means listed too: a server whose tools are not known yet offers nothing.
  let listed: Client | undefined;
  let tools: Tool[] = [];
  let attempts = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const setTools = (next: Tool[]) => {
    tools = next;
    options.onToolsChanged?.();
  };

  const lost = (current: Client, reason: string) => {
    if (client !== current) return;
    client = undefined;
    listed = undefined;
    setTools([]);
    void current.close().catch(() => undefined);
    if (closed) return;
    log.warn({ reason }, 'MCP server connection lost; reconnecting');
    scheduleRetry();
  };

  const scheduleRetry = () => {
    if (closed || retryTimer) return;
    attempts++;
    const delay = retryDelayMs(attempts);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
    retryTimer.unref();
  };

  async function connect(): Promise<void> {
    if (closed) return;
    try {
      const next = await openClient(settings, log, (current, reason) => lost(current, reason), setTools);
      if (closed) {
        await next.close();
        return;
      }
      client = next;
      attempts = 0;
      const found = await listAllTools(next);
      if (client !== next) return;
      listed = next;
      setTools(found);
      log.info({ tools: found.length }, 'MCP server connected');
    } catch (error) {
      log.warn({ err: error, attempt: attempts + 1 }, 'MCP server unavailable; trying again later');
      if (client) lost(client, 'listing tools failed');
      else scheduleRetry();
    }
  }

  return {
    name: settings.name,
    start: connect,
    connected: () => client !== undefined && listed === client,
    tools: () => tools,
    call: (tool, args, signal) => callTool(client, settings.name, { tool, args, signal }, lost),
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.close().catch(() => undefined);
    },
  };
}

/** One tool call on the current client; a failure that is not the server's own answer marks the link lost. */
async function callTool(
  current: Client | undefined,
  server: string,
  request: { tool: string; args: Record<string, unknown>; signal: AbortSignal },
  lost: (client: Client, reason: string) => void,
): Promise<CallToolResult> {
  if (!current) throw new McpServerUnavailableError(server);
  const { tool, args, signal } = request;
  try {
    const result = await current.callTool({ name: tool, arguments: args }, undefined, {
      signal,
      // The caller's signal bounds the call; the SDK's own 60 s default must not cut it shorter.
      timeout: 2 ** 31 - 1,
    });
    return result as CallToolResult;
  } catch (error) {
    // The server answered with a protocol error: it is alive. Anything else means the link broke.
    if (!signal.aborted && !(error instanceof McpError && error.code !== ErrorCode.ConnectionClosed)) {
      lost(current, error instanceof Error ? error.message : String(error));
    }
    throw error;
  }
}

/** Thrown for a call to a server that is not connected at the moment. */
export class McpServerUnavailableError extends Error {
  constructor(server: string) {
    super(`the MCP server "${server}" is not connected right now`);
    this.name = 'McpServerUnavailableError';
  }
}

/** Connects a client over the configured transport (Streamable HTTP first, then SSE, for a URL). */
async function openClient(
  settings: McpServerSettings,
  log: Logger,
  onLost: (client: Client, reason: string) => void,
  onTools: (tools: Tool[]) => void,
): Promise<Client> {
  const transports = transportsFor(settings, log);
  let lastError: unknown;
  for (const make of transports) {
    const client = new Client(CLIENT_INFO, {
      listChanged: {
        tools: {
          debounceMs: 0,
          onChanged: (error, listed) => {
            if (error) log.warn({ err: error }, 'could not refresh the MCP tool list');
            else if (listed) onTools(listed);
          },
        },
      },
    });
    client.onclose = () => onLost(client, 'connection closed');
    try {
      await client.connect(make());
      return client;
    } catch (error) {
      lastError = error;
      client.onclose = undefined;
      await client.close().catch(() => undefined);
    }
  }
  throw lastError;
}

function transportsFor(settings: McpServerSettings, log: Logger): Array<() => Transport> {
  const { transport } = settings;
  if (transport.kind === 'stdio') {
    return [
      () => {
        const stdio = new StdioClientTransport({
          command: transport.command,
          args: transport.args,
          env: { ...getDefaultEnvironment(), ...transport.env },
          ...(transport.cwd ? { cwd: transport.cwd } : {}),
          stderr: 'pipe',
        });
        // The server's own diagnostics: useful when it fails to start, never shown to users.
        stdio.stderr?.on('data', (chunk: Buffer) =>
          log.debug({ stderr: chunk.toString('utf8').slice(0, 2_000) }, 'MCP server stderr'),
        );
        return stdio;
      },
    ];
  }
  const url = new URL(transport.url);
  const requestInit = { headers: transport.headers };
  return [
    () => new StreamableHTTPClientTransport(url, { requestInit }),
    // Servers from before Streamable HTTP (protocol 2024-11-05) speak HTTP+SSE.
    () => new SSEClientTransport(url, { requestInit }),
  ];
}

/** Every page of the server's tool list. */
async function listAllTools(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}
