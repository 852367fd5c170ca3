import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { type RunningParley, startParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { nameFromPrompt, promptText } from '../fakes/name-from-prompt.ts';
import { scriptedTerminal } from '../helpers/chat-session.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';

let model: FakeOpenAI;
let redis: TestRedis;

beforeAll(async () => {
  model = await startFakeOpenAI();
  redis = await startTestRedis();
});
afterAll(async () => {
  await model?.close();
  await redis?.close();
});
afterEach(() => model.reset());

async function openChat(sessionName: string, env: Record<string, string> = {}) {
  const terminal = scriptedTerminal();
  const config = loadConfig({ OPENAI_BASE_URL: model.url, MODEL: 'gpt-4o-mini', ...env });
  const parley: RunningParley = await startParley(config, {
    logger: silentLogger,
    console: { input: terminal.input, output: terminal.output, sessionName },
  });
  return { terminal, parley };
}

describe('terminal chat (embedded default)', () => {
  it('remembers the conversation, forgets it on /reset, and keeps sessions apart', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const alice = await openChat('alice');
    try {
      expect(await alice.terminal.say('My name is Alice')).toContain('Bot: Your name is Alice.');
      const answer = await alice.terminal.say("What's my name?");
      expect(answer).toContain('Bot: Your name is Alice.');
      expect(answer).toMatch(/\d+ prompt \+ \d+ reply tokens · \$0\.\d+/);
      const second = model.requests[1]!.body.messages;
      expect(second.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
      expect(promptText(second)).toContain('My name is Alice');

      const usage = await alice.terminal.say('/usage');
      expect(usage).toMatch(
        /this conversation: [\d,]+ tokens \([\d,]+ in \+ [\d,]+ out\), 2 calls, \$0\.\d+/,
      );

      expect(await alice.terminal.say('/reset')).toContain('Memory cleared');
      expect(await alice.terminal.say("What's my name?")).toContain("I don't know your name.");
      expect(promptText(model.requests[2]!.body.messages)).not.toContain('Alice');
    } finally {
      alice.terminal.input.end();
      await alice.parley.consoleDone;
      await alice.parley.stop();
    }
  });

  it('reports a model failure in the chat and keeps the user message for the next turn', async () => {
    const chat = await openChat('failing', { MODEL_MAX_RETRIES: '0', TURN_MAX_ATTEMPTS: '1' });
    try {
      model.failNext(1, { status: 401, message: 'bad key' });
      const failed = await chat.terminal.say('My name is Carol');
      expect(failed).toContain('The model endpoint rejected the API key.');
      // The terminal's user runs the bot: they read what the server said.
      expect(failed).toContain('The server said: "bad key"');
      model.respondWith((body) => nameFromPrompt(body.messages));
      expect(await chat.terminal.say("What's my name?")).toContain('Your name is Carol.');
      const roles = model.requests.at(-1)!.body.messages.map((message) => message.role);
      // The failed turn left the user's message and no half reply; the two user messages are merged.
      expect(roles).toEqual(['system', 'user']);
    } finally {
      chat.terminal.input.end();
      await chat.parley.consoleDone;
      await chat.parley.stop();
    }
  });

  it("shows the operator the server's own message and the endpoint when the model is missing", async () => {
    const chat = await openChat('missing-model', {
      MODEL: 'llama9',
      MODEL_MAX_RETRIES: '0',
      TURN_MAX_ATTEMPTS: '1',
    });
    try {
      model.failNext(1, { status: 404, message: 'model "llama9" not found, try pulling it first' });
      const failed = await chat.terminal.say('Hello?');
      expect(failed).toContain('Model llama9 is not on that server; pull it first (ollama pull llama9).');
      expect(failed).toContain('The server said: "model "llama9" not found, try pulling it first"');
      expect(failed).toContain(`Endpoint: ${model.url}`);
    } finally {
      chat.terminal.input.end();
      await chat.parley.consoleDone;
      await chat.parley.stop();
    }
  });
});

/** Runs `npm start`'s entry point as its own process, types lines, returns what it printed. */
function runTerminalProcess(session: string, lines: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/app/main.ts', '--console', '--session', session],
      {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

describe('terminal chat on Redis', () => {
  it('continues the same session in a new process', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const env = {
      OPENAI_BASE_URL: model.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'console-e2e',
      LOG_LEVEL: 'warn',
    };
    const first = await runTerminalProcess('dana', ['My name is Dana', '/exit'], env);
    expect(first).toContain('Bot: Your name is Dana.');
    // Another session name is another conversation, even on the same Redis.
    const other = await runTerminalProcess('erin', ["What's my name?", '/exit'], env);
    expect(other).toContain("Bot: I don't know your name.");
    const second = await runTerminalProcess('dana', ["What's my name?", '/usage', '/exit'], env);
    expect(second).toContain('Bot: Your name is Dana.');
    expect(second).toMatch(/this conversation: [\d,]+ tokens \([\d,]+ in \+ [\d,]+ out\), 2 calls/);
    expect(promptText(model.requests.at(-1)!.body.messages)).toContain('My name is Dana');
  });
});
