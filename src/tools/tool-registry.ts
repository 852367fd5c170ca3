import type { Logger } from '../app/logger.ts';
import type { ToolCall, ToolDefinition } from '../model/model-client.ts';
import type { TokenCounter } from '../model/token-counter.ts';
import { createMcpConnection, type McpConnection, McpServerUnavailableError } from './mcp-connection.ts';
import type { McpServerSettings, ToolSettings } from './mcp-server-settings.ts';
import { displayToolName, modelToolName } from './tool-names.ts';
import { parseToolSwitches, toolEnabled } from './tool-policy.ts';
import { capToolResult, toolResultText } from './tool-result-text.ts';

/** A tool offered to the model in one turn. */
export interface OfferedTool {
  /** What the model is given. */
  definition: ToolDefinition;
  /** The MCP server it runs on. */
  server: string;
  /** Its name on that server. */
  tool: string;
  /** Marked `"confirm": true`: it runs only once the turn's author (or an admin) said yes. */
  confirm: boolean;
}

/** How a tool call ended, counted in `parley_tool_calls_total`. */
export type ToolCallOutcome =
  | 'ok'
  | 'error'
  | 'timeout'
  | 'unknown'
  | 'unavailable'
  | 'invalid_arguments'
  | 'declined';

/** A person's say on a call of a tool marked `"confirm": true`: yes, or what the model reads instead. */
export type ToolConfirmation = { approved: true } | { approved: false; text: string };

/** One call's result, as the model is given it. */
export interface ToolCallResult {
  /** The call it answers. */
  call: ToolCall;
  /** `server.tool`, or the name the model used when no such tool is offered. */
  displayName: string;
  /** What the model reads: the result (capped), or what went wrong. */
  text: string;
  /** How the call ended. */
  outcome: ToolCallOutcome;
}

/** A configured server as the `tools` command lists it. */
export interface ServerListing {
  /** Its name. */
  server: string;
  /** Whether it is connected now. */
  connected: boolean;
  /** Its tools' names on the server, as last listed. */
  tools: string[];
  /** Those marked `"confirm": true`, which ask the turn's author before they run. */
  confirmed: string[];
}

/** The MCP servers of a worker and the tools they offer. */
export interface ToolRegistry {
  /** The limits and defaults the registry was built with. */
  readonly settings: ToolSettings;
  /** Connects every server (each retries on its own); resolves when each has made its first attempt. */
  start(): Promise<void>;
  /** The tools a channel with these stored switches may use now (connected servers only). */
  offered(switches: string | undefined): OfferedTool[];
  /**
   * Runs one call among `offered`, within `TOOL_TIMEOUT_MS` and `signal`; a tool marked `"confirm": true` runs
   * only with `confirmation` saying yes (without one it never does). Never rejects.
   */
  run(
    call: ToolCall,
    offered: readonly OfferedTool[],
    signal: AbortSignal,
    confirmation?: ToolConfirmation,
  ): Promise<ToolCallResult>;
  /** Every configured server with its state and tools. */
  listing(): ServerListing[];
  /** Disconnects every server. */
  close(): Promise<void>;
}

/** What the registry needs besides its settings. */
export interface ToolRegistryOptions {
  /** Where to log. */
  logger: Logger;
  /** Counter of the model's encoding, to cap results. */
  counter: TokenCounter;
  /** A call ended (metrics). */
  onCall?: (server: string, tool: string, outcome: ToolCallOutcome, seconds: number) => void;
  /** Reconnect backoff (tests shorten it). */
  retryDelayMs?: (attempt: number) => number;
}

/**
 * The worker's MCP servers behind one registry. Tools marked `"confirm": true` are offered like the others but
 * run only once the turn's `confirm` says yes; asking the person is the turn's part.
 */
export function createToolRegistry(settings: ToolSettings, options: ToolRegistryOptions): ToolRegistry {
  const log = options.logger.child({ component: 'tools' });
  const connections = settings.servers.map((server) => ({
    server,
    connection: createMcpConnection(server, { logger: log, retryDelayMs: options.retryDelayMs }),
  }));

  const offered = (switches: string | undefined): OfferedTool[] => {
    const parsed = parseToolSwitches(switches);
    const tools: OfferedTool[] = [];
    for (const { server, connection } of connections) {
      for (const tool of connection.tools()) {
        if (!toolEnabled(settings.defaults, parsed, server.name, tool.name)) continue;
        tools.push({
          server: server.name,
          tool: tool.name,
          confirm: needsConfirmation(server, tool.name),
          definition: {
            name: modelToolName(server.name, tool.name),
            description: tool.description ?? displayToolName(server.name, tool.name),
            parameters: tool.inputSchema as Record<string, unknown>,
          },
        });
      }
    }
    return tools;
  };

  return {
    settings,
    async start() {
      await Promise.all(connections.map(({ connection }) => connection.start()));
    },
    offered,
    async run(call, tools, signal, confirmation) {
      const started = performance.now();
      const match = tools.find((tool) => tool.definition.name === call.name);
      const connection = match && connections.find(({ server }) => server.name === match.server)?.connection;
      const refusal = match?.confirm ? refusalOf(confirmation) : undefined;
      const result =
        match && refusal !== undefined
          ? {
              call,
              displayName: displayToolName(match.server, match.tool),
              outcome: 'declined' as const,
              text: refusal,
            }
          : match && connection
            ? await runOnServer(connection, match, call, { signal, timeoutMs: settings.timeoutMs })
            : unknownTool(call, tools);
      const text = capToolResult(result.text, settings.maxResultTokens, options.counter);
      const seconds = (performance.now() - started) / 1000;
      options.onCall?.(match?.server ?? 'unknown', match?.tool ?? 'unknown', result.outcome, seconds);
      log.info(
        { tool: result.displayName, outcome: result.outcome, ms: Math.round(seconds * 1000) },
        'tool call',
      );
      return { ...result, text };
    },
    listing: () =>
      connections.map(({ server, connection }) => ({
        server: server.name,
        connected: connection.connected(),
        tools: connection.tools().map((tool) => tool.name),
        confirmed: connection
          .tools()
          .map((tool) => tool.name)
          .filter((tool) => needsConfirmation(server, tool)),
      })),
    async close() {
      await Promise.all(connections.map(({ connection }) => connection.close()));
    },
  };
}

/** Why a tool that asks first may not run (`undefined`: it may); never asked means it may not. */
function refusalOf(confirmation: ToolConfirmation | undefined): string | undefined {
  if (confirmation?.approved) return undefined;
  return (
    confirmation?.text ??
    "Error: the tool needs the user's confirmation, which was not asked, so it did not run."
  );
}

function needsConfirmation(server: McpServerSettings, tool: string): boolean {
  return server.confirm.all || server.confirm.tools.includes(tool);
}

function unknownTool(call: ToolCall, tools: readonly OfferedTool[]): ToolCallResult {
  const names = tools.map((tool) => tool.definition.name).join(', ') || 'none';
  return {
    call,
    displayName: call.name,
    outcome: 'unknown',
    text: `Error: there is no tool named "${call.name}" here. The tools available are: ${names}.`,
  };
}

async function runOnServer(
  connection: McpConnection,
  match: OfferedTool,
  call: ToolCall,
  limits: { signal: AbortSignal; timeoutMs: number },
): Promise<ToolCallResult> {
  const displayName = displayToolName(match.server, match.tool);
  const failed = (outcome: ToolCallOutcome, text: string): ToolCallResult => ({
    call,
    displayName,
    outcome,
    text,
  });
  let args: unknown;
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch (error) {
    return failed(
      'invalid_arguments',
      `Error: the arguments are not valid JSON (${(error as Error).message}).`,
    );
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return failed('invalid_arguments', 'Error: the arguments must be a JSON object.');
  }
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = AbortSignal.any([limits.signal, timeout]);
  try {
    const result = await connection.call(match.tool, args as Record<string, unknown>, signal);
    const text = toolResultText(result);
    return { call, displayName, outcome: result.isError ? 'error' : 'ok', text };
  } catch (error) {
    if (timeout.aborted) {
      return failed(
        'timeout',
        `Error: the tool did not answer within ${limits.timeoutMs} ms and was stopped.`,
      );
    }
    if (error instanceof McpServerUnavailableError) {
      return failed('unavailable', `Error: ${error.message}; answer without it, or try again later.`);
    }
    const message = error instanceof Error ? error.message : String(error);
    return failed('error', `Error: the tool failed: ${message.slice(0, 500)}`);
  }
}
