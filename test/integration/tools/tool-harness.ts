import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, silentLogger } from '../../../src/app/logger.ts';
import type { HistoryStore } from '../../../src/history/history-store.ts';
import type { TokenCounter } from '../../../src/model/token-counter.ts';
import type { TurnJob } from '../../../src/queue/turn-queue.ts';
import type { McpServerSettings, ToolSettings } from '../../../src/tools/mcp-server-settings.ts';
import {
  createToolRegistry,
  type ToolRegistry,
  type ToolRegistryOptions,
} from '../../../src/tools/tool-registry.ts';
import type { ReplyChannel, ReplyDetails } from '../../../src/turn/reply-channel.ts';
import type { Turn } from '../../../src/turn/turn.ts';
import type { ChatCompletionRequestBody, WireChatMessage } from '../../fakes/fake-openai-server.ts';
import type { ReceivedToolCall } from '../../fakes/mcp/fake-mcp-tools.ts';

/** The stdio fake MCP server's script. */
export const STDIO_SERVER = fileURLToPath(new URL('../../fakes/mcp/fake-mcp-stdio-main.ts', import.meta.url));

/** A stdio server entry running the fake with `node --import tsx`, reporting its calls to `log`. */
export function stdioServer(name: string, log: string): McpServerSettings {
  return {
    name,
    transport: {
      kind: 'stdio',
      command: process.execPath,
      args: ['--import', 'tsx', STDIO_SERVER],
      env: { FAKE_MCP_LOG: log },
    },
    confirm: { all: false, tools: [] },
  };
}

/** A fresh file for a stdio server's call log. */
export function callLogFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'parley-mcp-')), 'calls.jsonl');
}

/** The calls a stdio server logged, with the process that received each. */
export function loggedCalls(path: string): Array<ReceivedToolCall & { pid: number }> {
  let raw = '';
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return raw
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ReceivedToolCall & { pid: number });
}

/** A registry over `servers` with test limits. */
export function testRegistry(
  servers: McpServerSettings[],
  counter: TokenCounter,
  overrides: Partial<ToolSettings> = {},
  onCall?: ToolRegistryOptions['onCall'],
): ToolRegistry {
  const debug = process.env.PARLEY_TEST_LOGS ? createLogger('debug') : silentLogger;
  return createToolRegistry(
    {
      servers,
      defaults: { kind: 'all' },
      maxRounds: 3,
      timeoutMs: 1_000,
      confirmTimeoutMs: 5_000,
      maxResultTokens: 60,
      webSearch: false,
      ...overrides,
    },
    { logger: debug, counter, retryDelayMs: () => 100, onCall },
  );
}

/** A reply channel that records what a platform would show, tool status lines included. */
export function recordingChannel() {
  const finished: Array<{ text: string; details?: ReplyDetails }> = [];
  const toolStatus: string[][] = [];
  const channel: ReplyChannel = {
    platform: 'console',
    respond: async (_target, response) => {
      finished.push({ text: response.text });
    },
    openReply: (_target, options) => ({
      async showWorking() {},
      update() {},
      async showToolUse(names) {
        toolStatus.push([...names]);
      },
      async finish(text, details) {
        finished.push({ text, details });
        await options.onPosted([{ channelId: 'c', messageId: `r${finished.length}` }]);
      },
    }),
  };
  return { channel, finished, toolStatus };
}

/** A message turn of the console platform. */
export function turnOf(sessionId: string, text: string, extra: Partial<Turn> = {}): Turn {
  return {
    id: `${sessionId}-${text}`,
    sessionId,
    kind: 'message',
    author: { id: 'U1', name: 'Alice', isPlatformAdmin: true },
    text,
    target: { platform: 'console', channelId: 'c' },
    receivedAt: 1_700_000_000_000,
    ...extra,
  };
}

/** The job of `turn` at `seq`. */
export function jobOf(turn: Turn, seq: number): TurnJob {
  return { turn, seq, attempt: 1, maxAttempts: 1, previousReplies: [], recordReplies: async () => {} };
}

/** The tool results at the end of a request (those of its latest tool round). */
export function latestToolResults(body: ChatCompletionRequestBody): WireChatMessage[] {
  const results: WireChatMessage[] = [];
  for (let index = body.messages.length - 1; index >= 0 && body.messages[index]!.role === 'tool'; index--) {
    results.unshift(body.messages[index]!);
  }
  return results;
}

/** Names of the tools a request offered. */
export function offeredNames(body: ChatCompletionRequestBody): string[] {
  const tools = (body.tools ?? []) as Array<{ function: { name: string } }>;
  return tools.map((tool) => tool.function.name);
}

/** The history as `[role, content]` pairs with tool fields, for assertions. */
export async function storedShape(store: HistoryStore, sessionId: string) {
  return (await store.load(sessionId)).map((message) => ({
    role: message.role,
    ...(message.toolCalls ? { calls: message.toolCalls.map((call) => call.name) } : {}),
    ...(message.toolCallId ? { toolCallId: message.toolCallId, toolName: message.toolName } : {}),
  }));
}
