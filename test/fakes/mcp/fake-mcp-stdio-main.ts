/**
 * A fake MCP server on stdio, run by tests as `node --import tsx test/fakes/mcp/fake-mcp-stdio-main.ts`; every
 * call it receives is appended to the file named by `FAKE_MCP_LOG` (one JSON line, with the process id).
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createFakeMcpServer, recordToFile } from './fake-mcp-tools.ts';

const server = createFakeMcpServer(recordToFile(process.env.FAKE_MCP_LOG));
await server.connect(new StdioServerTransport());
