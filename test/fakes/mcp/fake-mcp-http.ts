import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createFakeMcpServer, type ReceivedToolCall } from './fake-mcp-tools.ts';

/** A running fake MCP server on Streamable HTTP. */
export interface FakeMcpHttp {
  /** Its MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Every tool call received, in order. */
  calls: ReceivedToolCall[];
  /** Every request's headers (lower-case names). */
  headers: Array<Record<string, string | string[] | undefined>>;
  /** Stops listening and drops open connections (a crash, as the client sees it). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

/**
 * The fake MCP tools over Streamable HTTP on 127.0.0.1, stateless (a fresh server and transport per request, as
 * the SDK's stateless example does), so a restart loses nothing the client relies on.
 */
export async function startFakeMcpHttp(port = 0): Promise<FakeMcpHttp> {
  const calls: ReceivedToolCall[] = [];
  const headers: FakeMcpHttp['headers'] = [];
  const sockets = new Set<Socket>();
  let server: Server;
  const listen = async (onPort: number) => {
    server = createServer(async (req, res) => {
      headers.push({ ...req.headers });
      if (req.url !== '/mcp' || req.method !== 'POST') {
        res.writeHead(405, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32000, message: 'Method not allowed.' },
            id: null,
          }),
        );
        return;
      }
      const mcp = createFakeMcpServer((call) => calls.push(call));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(onPort, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const bound = await listen(port);
  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    calls,
    headers,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      await listen(bound);
    },
  };
}
