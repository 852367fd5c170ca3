import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { startParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { type FakeMcpHttp, startFakeMcpHttp } from '../fakes/mcp/fake-mcp-http.ts';
import { scriptedTerminal } from '../helpers/chat-session.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { callLogFile, latestToolResults } from '../integration/tools/tool-harness.ts';

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

describe('a tool that asks first, in the terminal chat', () => {
  it('runs on "y", not on "n", and a timed-out question leaves the next line to the chat', async () => {
    const file = join(dirname(callLogFile()), 'mcp.json');
    writeFileSync(
      file,
      JSON.stringify({ mcpServers: { web: { url: remote.url, tools: { echo: { confirm: true } } } } }),
    );
    model.respondWith((body) => {
      const results = latestToolResults(body);
      if (results.length > 0) return `Tool result: ${results[0]!.content}`;
      return { content: '', toolCalls: [{ name: 'web__echo', arguments: '{"text":"terminal"}' }] };
    });
    const terminal = scriptedTerminal();
    const config = loadConfig({
      OPENAI_BASE_URL: model.url,
      MODEL: 'gpt-4o-mini',
      MCP_CONFIG: file,
      TOOL_CONFIRM_TIMEOUT_MS: '1000',
    });
    const parley = await startParley(config, {
      logger: silentLogger,
      console: { input: terminal.input, output: terminal.output, sessionName: 'confirm' },
    });
    const questions = () => terminal.transcript().split('[y/N]').length - 1;
    try {
      const calls = remote.calls.length;
      const approved = terminal.say('echo with a yes');
      await waitFor('the question', () => questions() === 1);
      expect(terminal.transcript()).toContain('May I run web.echo');
      terminal.input.write('y\n');
      const answer = await approved;
      expect(answer).toContain('approved by confirm');
      expect(answer).toContain('Tool result: echo: terminal');
      expect(remote.calls.slice(calls)).toEqual([{ tool: 'echo', args: { text: 'terminal' } }]);

      const declined = terminal.say('echo with a no');
      await waitFor('the second question', () => questions() === 2);
      terminal.input.write('n\n');
      expect(await declined).toContain('Tool result: The user declined');
      expect(remote.calls.length).toBe(calls + 1);

      const unanswered = terminal.say('echo, no answer');
      await waitFor('the third question', () => questions() === 3);
      expect(await unanswered).toContain('did not confirm this tool in time');
      // The line typed after the timeout is a message of its own, not a late answer.
      model.respondWith(() => 'Plain answer.');
      expect(await terminal.say('y')).toContain('Plain answer.');
      expect(remote.calls.length).toBe(calls + 1);
    } finally {
      terminal.input.end();
      await parley.consoleDone;
      await parley.stop();
    }
  }, 60_000);
});
