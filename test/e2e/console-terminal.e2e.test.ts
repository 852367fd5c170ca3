import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI, type WireChatMessage } from '../fakes/fake-openai-server.ts';
import { KEYS, startTerminalProcess, type TerminalProcess } from '../helpers/terminal-process.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** The text of the newest user message the model received. */
const lastUserText = (messages: WireChatMessage[]) => {
  const content = messages.filter((message) => message.role === 'user').at(-1)?.content;
  return typeof content === 'string' ? content : JSON.stringify(content);
};

let model: FakeOpenAI;
let slowModel: FakeOpenAI;
beforeAll(async () => {
  model = await startFakeOpenAI();
  // 40 ms between chunks of 8 characters: a long answer streams for seconds, long enough to interrupt.
  slowModel = await startFakeOpenAI({ chunkDelayMs: 40 });
});
afterAll(async () => {
  await model?.close();
  await slowModel?.close();
});

function terminalChat(url: string, historyFile: string, args: string[] = []): TerminalProcess {
  return startTerminalProcess(['--console', '--session', 'pty', '--name', 'Alice Liddell', ...args], {
    OPENAI_BASE_URL: url,
    PARLEY_HISTORY_FILE: historyFile,
  });
}

/** Types keys and Enter, and waits for the reply and the next prompt. */
async function send(chat: TerminalProcess, keys: string[], reply: string | RegExp): Promise<void> {
  const from = chat.text().length;
  await chat.type(...keys, KEYS.enter);
  await chat.waitFor(reply, { from });
  // The next prompt after the reply (the line being typed was echoed after a `You: ` too).
  const tail = chat.text().slice(from);
  const at = from + (typeof reply === 'string' ? tail.indexOf(reply) : tail.search(reply));
  await chat.waitFor('You: ', { from: at });
}

describe('terminal chat on a pseudo-terminal', () => {
  it('edits lines with the arrows, recalls them with Up in this run and the next, and clears with Ctrl-L', async () => {
    const historyFile = join(mkdtempSync(join(tmpdir(), 'parley-history-')), 'state', 'history');
    const first = terminalChat(model.url, historyFile);
    await first.waitFor('You: ');
    expect(first.text()).toContain('you are Alice Liddell');
    // "Hllo", three steps left, "e": the cursor moved, nothing of the arrow keys reached the model.
    await send(first, ['Hllo', KEYS.left, KEYS.left, KEYS.left, 'e'], 'Bot: Echo: Alice Liddell: Hello');
    expect(lastUserText(model.requests.at(-1)!.body.messages)).toBe('Alice Liddell: Hello');
    // Up brings the line back instead of sending an escape sequence.
    await send(first, [KEYS.up], /Bot: .*Hello/);
    expect(model.requests).toHaveLength(2);
    expect(lastUserText(model.requests.at(-1)!.body.messages)).toContain('Hello');
    expect(JSON.stringify(model.requests.map((request) => request.body.messages))).not.toContain('\\u001b');

    expect(first.screen().filter((line) => line.startsWith('Bot: '))).toHaveLength(2);
    await first.type('Second line', KEYS.ctrlL);
    // Ctrl-L: the screen holds only the prompt and the line being typed, at the top.
    const visible = () =>
      first
        .screen()
        .slice(-30)
        .filter((line) => line !== '');
    await waitFor('the cleared screen', () => visible().length === 1).catch(() => {});
    expect(visible()).toEqual(['You: Second line']);
    await send(first, [], 'Bot: Echo: Alice Liddell: Second line');
    expect(model.requests).toHaveLength(3);
    await first.type('/exit', KEYS.enter);
    expect(await first.exited).toBe(0);
    expect(readFileSync(historyFile, 'utf8')).toBe('Hello\nSecond line\n/exit\n');

    // A new run: Up, Up reaches the line typed before /exit in the last run.
    const second = terminalChat(model.url, historyFile);
    await second.waitFor('You: ');
    await send(second, [KEYS.up, KEYS.up], 'Bot: Echo: Alice Liddell: Second line');
    await second.type(KEYS.ctrlD);
    expect(await second.exited).toBe(0);
  });

  it('keeps chatting when the history file cannot be written', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'parley-history-'));
    // A file where the history's folder should be: the folder cannot be created.
    writeFileSync(join(folder, 'blocked'), 'not a folder');
    const chat = terminalChat(model.url, join(folder, 'blocked', 'history'));
    await chat.waitFor('You: ');
    await send(chat, ['first'], 'Bot: Echo: Alice Liddell: first');
    await send(chat, ['second'], 'Bot: Echo: Alice Liddell: second');
    await chat.type('/exit', KEYS.enter);
    expect(await chat.exited).toBe(0);
  });

  it('stops the answer being streamed on Ctrl-C, stays usable, and quits on Ctrl-C twice', async () => {
    const words = Array.from({ length: 150 }, (_, index) => `w${index}`).join(' ');
    slowModel.respondWith((body) =>
      lastUserText(body.messages).includes('story') ? `${words} THE-END` : 'Short.',
    );
    const historyFile = join(mkdtempSync(join(tmpdir(), 'parley-history-')), 'history');
    const chat = terminalChat(slowModel.url, historyFile);
    await chat.waitFor('You: ');
    const from = chat.text().length;
    await chat.type('Tell me a story', KEYS.enter);
    // The answer streams (raw, as it arrives) …
    await chat.waitFor('w3 ', { from });
    await chat.type(KEYS.ctrlC);
    await chat.waitFor('(Answer stopped.)', { from });
    await chat.waitFor('You: ', { from: chat.text().indexOf('(Answer stopped.)', from) });
    // … and the chat takes the next line while the stopped answer is still being written.
    await send(chat, ['Are you there?'], 'Bot: Short.');
    expect(chat.text().slice(from)).not.toContain('THE-END');
    expect(lastUserText(slowModel.requests.at(-1)!.body.messages)).toContain('Are you there?');
    // The model call was stopped, not just hidden: the end of the story never reached the conversation.
    expect(JSON.stringify(slowModel.requests.at(-1)!.body.messages)).not.toContain('THE-END');

    const beforeQuit = chat.text().length;
    await chat.type(KEYS.ctrlC);
    await chat.waitFor('Ctrl-C again', { from: beforeQuit });
    await chat.type(KEYS.ctrlC);
    expect(await chat.exited).toBe(0);
    expect(chat.text().slice(beforeQuit)).toContain('Bye.');
  });

  it('renders the reply as Markdown in colour, and as plain text with NO_COLOR', async () => {
    model.respondWith(() => 'Use **bold** and `code`:\n\n- one\n- two\n\n```\nx = 1\n```');
    const historyFile = join(mkdtempSync(join(tmpdir(), 'parley-history-')), 'history');
    const colored = terminalChat(model.url, historyFile);
    await colored.waitFor('You: ');
    await send(colored, ['format'], 'x = 1');
    const reply = colored.raw().slice(colored.raw().lastIndexOf('Bot: '));
    expect(reply).toContain('\x1b[1mbold\x1b[22m');
    // The raw Markdown shown while streaming was replaced by its rendering.
    const screen = colored.screen().join('\n');
    expect(screen).toContain('Bot: Use bold and code:');
    expect(screen).toContain('* one');
    expect(screen).not.toContain('**bold**');
    expect(screen).not.toContain('```');
    await colored.type(KEYS.ctrlD);
    await colored.exited;

    const plain = startTerminalProcess(['--console', '--session', 'pty-plain'], {
      OPENAI_BASE_URL: model.url,
      PARLEY_HISTORY_FILE: historyFile,
      NO_COLOR: '1',
    });
    await plain.waitFor('You: ');
    await send(plain, ['format'], 'x = 1');
    const plainReply = plain.raw().slice(plain.raw().lastIndexOf('Bot: '));
    expect(plainReply).not.toContain('\x1b[1m');
    expect(plainReply).not.toContain('\x1b[0m');
    expect(plainReply).toContain('Use bold and code:');
    expect(plainReply).toMatch(/\* one/);
    await plain.type(KEYS.ctrlD);
    await plain.exited;
  });
}, 120_000);
