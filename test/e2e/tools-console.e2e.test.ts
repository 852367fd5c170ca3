import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { startParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { type FakeMcpHttp, startFakeMcpHttp } from '../fakes/mcp/fake-mcp-http.ts';
import { scriptedTerminal } from '../helpers/chat-session.ts';
import {
  callLogFile,
  latestToolResults,
  loggedCalls,
  STDIO_SERVER,
} from '../integration/tools/tool-harness.ts';

let model: FakeOpenAI;
let remote: FakeMcpHttp;

beforeAll(async () => {
  model = await startFakeOpenAI();
  remote = await startFakeMcpHttp();
});
afterAll(async () => {
  await remote?.stop();
  await model?.close();
});

describe('tools in the terminal chat, configured through MCP_CONFIG', () => {
  it('calls a stdio and a Streamable HTTP server, shows it, answers, and remembers the exchange', async () => {
    const log = callLogFile();
    const file = join(dirname(log), 'mcp.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          files: {
            command: process.execPath,
            args: ['--import', 'tsx', STDIO_SERVER],
            env: { FAKE_MCP_LOG: log },
          },
          web: { url: remote.url, headers: { authorization: 'Bearer abc' } },
        },
      }),
    );
    model.respondWith((body) => {
      const results = latestToolResults(body);
      if (results.length > 0)
        return `The tools said: ${results.map((result) => result.content).join(' and ')}`;
      if (body.messages.some((message) => message.role === 'tool')) return 'I remember the echo.';
      return {
        content: '',
        toolCalls: [
          { name: 'files__echo', arguments: '{"text":"from the file server"}' },
          { name: 'web__add', arguments: '{"a":20,"b":22}' },
        ],
      };
    });
    const terminal = scriptedTerminal();
    const config = loadConfig({
      OPENAI_BASE_URL: model.url,
      MODEL: 'gpt-4o-mini',
      MCP_CONFIG: file,
      TOOLS: 'files,web.add',
    });
    const parley = await startParley(config, {
      logger: silentLogger,
      console: { input: terminal.input, output: terminal.output, sessionName: 'tools' },
    });
    try {
      const answer = await terminal.say('use your tools');
      expect(answer).toContain('(using files.echo, web.add…)');
      expect(answer).toContain('The tools said: echo: from the file server and 42');
      expect(answer).toContain('Used files.echo, web.add');
      expect(loggedCalls(log).at(-1)).toMatchObject({ tool: 'echo', args: { text: 'from the file server' } });
      expect(remote.calls.at(-1)).toMatchObject({ tool: 'add', args: { a: 20, b: 22 } });
      // TOOLS limits the web server to its add tool.
      const offered = (model.requests[0]!.body.tools as Array<{ function: { name: string } }>).map(
        (tool) => tool.function.name,
      );
      expect(offered).toContain('web__add');
      expect(offered).not.toContain('web__echo');

      expect(await terminal.say('what did the tools say?')).toContain('I remember the echo.');
      const roles = model.requests.at(-1)!.body.messages.map((message) => message.role);
      expect(roles).toEqual(['system', 'user', 'assistant', 'tool', 'tool', 'assistant', 'user']);

      const exported = await terminal.say('/tools');
      expect(exported).toContain('web.echo off');
      expect(exported).toContain('files.echo on');
    } finally {
      terminal.input.end();
      await parley.consoleDone;
      await parley.stop();
    }
  }, 60_000);
});
