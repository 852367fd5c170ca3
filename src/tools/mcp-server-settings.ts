/**
 * The tools seam: MCP servers whose tools the model may call. `mcp-connection.ts` keeps one server connected
 * (stdio or Streamable HTTP, with SSE as the fallback for older servers), listing its tools at start and again
 * on `notifications/tools/list_changed`, and reconnecting with backoff when it fails or dies; `tool-registry.ts`
 * offers the connected servers' tools to a turn as the channel allows (`tool-policy.ts`) and runs the calls,
 * bounded in time and size, turning every failure into a result the model can read. Only workers connect.
 */

/** How to reach one MCP server, as `MCP_CONFIG` describes it. */
export type McpTransportSettings =
  | {
      /** A local process speaking MCP on stdin/stdout. */
      kind: 'stdio';
      /** Program to run. */
      command: string;
      /** Its arguments. */
      args: string[];
      /** Variables added to the safe default environment the SDK passes on. */
      env: Record<string, string>;
      /** Working directory, when set. */
      cwd?: string;
    }
  | {
      /** A remote server: Streamable HTTP, falling back to the older HTTP+SSE transport. */
      kind: 'http';
      /** The server's MCP endpoint. */
      url: string;
      /** Headers sent with every request (e.g. `Authorization`). */
      headers: Record<string, string>;
    };

/** One configured MCP server. */
export interface McpServerSettings {
  /** The server's name in `MCP_CONFIG` (`[A-Za-z0-9_-]`), which prefixes its tools (`name.tool`). */
  name: string;
  /** How to reach it. */
  transport: McpTransportSettings;
  /** Tools that ask the user before they run (`"confirm": true` on the server or on the tool). */
  confirm: { all: boolean; tools: string[] };
}

/** The tool settings of a worker. */
export interface ToolSettings {
  /** The servers of `MCP_CONFIG`; empty when unset. */
  servers: McpServerSettings[];
  /** `TOOLS`: the tools a channel may use until an admin switches some on or off. */
  defaults: ToolDefaults;
  /** `MAX_TOOL_ROUNDS`: model rounds that may call tools in one turn. */
  maxRounds: number;
  /** `TOOL_TIMEOUT_MS`: longest one tool call may take. */
  timeoutMs: number;
  /** `TOOL_CONFIRM_TIMEOUT_MS`: how long a tool marked `"confirm": true` waits for a yes before it counts as no. */
  confirmTimeoutMs: number;
  /** `MAX_TOOL_RESULT_TOKENS`: longest tool result given to the model, in tokens. */
  maxResultTokens: number;
  /** `WEB_SEARCH=on` (Responses API only): the built-in `web_search` tool is offered too. */
  webSearch: boolean;
}

/** `TOOLS`: every tool, none, or the servers and `server.tool` names listed. */
export type ToolDefaults = { kind: 'all' } | { kind: 'none' } | { kind: 'list'; names: string[] };
