import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/**
 * The tools of the fake MCP servers, written with the official SDK's `McpServer`: `echo`, `add`, `fail` (throws),
 * `hang` (answers only when cancelled), `big` (a long result), `crash` (the stdio server's process exits) and
 * `grow` (registers a new tool, so the server sends `notifications/tools/list_changed`).
 */

/** One call a fake server received. */
export interface ReceivedToolCall {
  /** The tool called. */
  tool: string;
  /** Its arguments. */
  args: Record<string, unknown>;
}

/** A fake MCP server's tools, each call reported to `record`. */
export function createFakeMcpServer(record: (call: ReceivedToolCall) => void): McpServer {
  const server = new McpServer({ name: 'fake-mcp', version: '1.0.0' });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  server.registerTool(
    'echo',
    { description: 'Repeats the text', inputSchema: { text: z.string() } },
    async ({ text: value }) => {
      record({ tool: 'echo', args: { text: value } });
      return text(`echo: ${value}`);
    },
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => {
      record({ tool: 'add', args: { a, b } });
      return text(String(a + b));
    },
  );
  server.registerTool('fail', { description: 'Always fails' }, async () => {
    record({ tool: 'fail', args: {} });
    throw new Error('disk on fire');
  });
  server.registerTool('hang', { description: 'Never answers' }, async (extra) => {
    record({ tool: 'hang', args: {} });
    await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve()));
    return text('too late');
  });
  server.registerTool(
    'big',
    { description: 'A long result', inputSchema: { words: z.number() } },
    async ({ words }) => {
      record({ tool: 'big', args: { words } });
      return text(Array.from({ length: words }, (_, index) => `word${index}`).join(' '));
    },
  );
  server.registerTool('crash', { description: 'Stops the server process' }, async () => {
    record({ tool: 'crash', args: {} });
    setTimeout(() => process.exit(1), 5);
    return new Promise(() => undefined);
  });
  server.registerTool('grow', { description: 'Adds the tool "late"' }, async () => {
    record({ tool: 'grow', args: {} });
    server.registerTool('late', { description: 'Added later' }, async () => text('late answer'));
    return text('grown');
  });
  return server;
}

/** A recorder that appends each call as one JSON line to `path` (how a stdio server reports to its test). */
export function recordToFile(path: string | undefined): (call: ReceivedToolCall) => void {
  return (call) => {
    if (path) appendFileSync(path, `${JSON.stringify({ ...call, pid: process.pid })}\n`);
  };
}
