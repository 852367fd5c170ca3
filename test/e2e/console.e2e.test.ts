import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { type RunningParley, startParley } from '../../src/app/start-parley.ts';
import { COMMAND_NAMES } from '../../src/turn/turn.ts';
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

async function openChat(
  sessionName: string,
  env: Record<string, string> = {},
  more: { userName?: string; exportDir?: string } = {},
) {
  const terminal = scriptedTerminal();
  const config = loadConfig({ OPENAI_BASE_URL: model.url, MODEL: 'gpt-4o-mini', ...env });
  const parley: RunningParley = await startParley(config, {
    logger: silentLogger,
    console: { input: terminal.input, output: terminal.output, sessionName, ...more },
  });
  return { terminal, parley };
}

describe('terminal chat: its own words, Markdown and names', () => {
  it('words every command for the terminal and prints Markdown as plain text when not on a terminal', async () => {
    const exportDir = join(mkdtempSync(join(tmpdir(), 'parley-out-')), 'not', 'yet');
    const chat = await openChat('words', {}, { exportDir });
    try {
      const help = await chat.terminal.say('/help');
      for (const name of [...COMMAND_NAMES, 'attach', 'exit']) expect(help).toContain(`/${name}`);
      expect(help).not.toMatch(/this channel|thread|download/);
      // Rendered, not raw: no `**Commands**`, no backticks.
      expect(help).toContain('Commands');
      expect(help).not.toMatch(/\*\*|`/);
      expect(await chat.terminal.say('/usage')).not.toContain('**Usage**');
      expect(await chat.terminal.say('/memory clear')).toContain(
        'There was no summary of older messages to drop',
      );
      const persona = await chat.terminal.say('/persona Be brief.');
      expect(persona).toContain('Persona set for this conversation:');
      expect(persona).not.toContain('thread');
      expect(await chat.terminal.say('/persona')).toContain('Use /persona reset to return to the default.');
      const forget = await chat.terminal.say('/forget');
      expect(forget).toContain('This deletes everything stored for this conversation');
      expect(forget).toContain('run /forget confirm.');
      await chat.terminal.say('hello');
      const exported = await chat.terminal.say('/export');
      const saved = join(exportDir, 'parley-console_words.json');
      expect(exported).toContain(`Saved to ${saved}`);
      expect(JSON.parse(readFileSync(saved, 'utf8')).messages).toHaveLength(2);
      expect(await chat.terminal.say('/forget confirm')).toContain(
        'everything stored for this conversation was deleted',
      );
    } finally {
      chat.terminal.input.end();
      await chat.parley.consoleDone;
      await chat.parley.stop();
    }
  });

  it('tells the model the name given, whatever the session is called', async () => {
    const chat = await openChat('alice-b', {}, { userName: 'Alice Liddell' });
    try {
      expect(await chat.terminal.say('My name is Alice')).toContain(
        'Bot: Echo: Alice Liddell: My name is Alice',
      );
      const user = model.requests.at(-1)!.body.messages.at(-1)!;
      expect(user.content).toBe('Alice Liddell: My name is Alice');
      expect(chat.terminal.transcript()).toContain('session console:alice-b, you are Alice Liddell');
    } finally {
      chat.terminal.input.end();
      await chat.parley.consoleDone;
      await chat.parley.stop();
    }
  });
});

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
    // Three processes start one after another: on a loaded machine each start takes seconds.
  }, 90_000);
});
