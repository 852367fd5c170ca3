import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsoleChat } from '../../../../adapters/console/console-chat.ts';
import type { ConsoleReplyChannel } from '../../../../adapters/console/console-reply-channel.ts';
import { attachmentPath, readAttachment } from '../../../../adapters/console/read-attachment.ts';
import { silentLogger } from '../../../../src/app/logger.ts';
import type { TurnQueue } from '../../../../src/queue/turn-queue.ts';
import type { Turn } from '../../../../src/turn/turn.ts';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'parley-attach-'));
  await writeFile(join(folder, 'notes.txt'), 'buy milk\n');
  await writeFile(join(folder, 'my chart.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47]));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

/** Runs the chat over `lines`, answering every turn at once; returns the turns and everything printed. */
async function chat(lines: string[]): Promise<{ turns: Turn[]; printed: string }> {
  const turns: Turn[] = [];
  const queue: TurnQueue = {
    async enqueue(turn) {
      turns.push(turn);
      return { accepted: true, seq: turns.length };
    },
    process: async () => {},
    pendingCount: async () => 0,
    close: async () => {},
  };
  // Every reply is done as soon as it is awaited: this test is about what is queued.
  const replies = {
    nextReplyDone: () => Promise.resolve(),
    readAnswersWith: () => {},
  } as unknown as ConsoleReplyChannel;
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  });
  await runConsoleChat({
    input: Readable.from(lines.map((line) => `${line}\n`)),
    output,
    sessionName: 'ops',
    queue,
    replies,
    durable: true,
    logger: silentLogger,
  });
  return { turns, printed };
}

describe('/attach in the terminal chat', () => {
  it('attaches the files read to the next message only, as bytes', async () => {
    const { turns, printed } = await chat([
      `/attach ${join(folder, 'notes.txt')}`,
      `/attach "${join(folder, 'my chart.png')}"`,
      'what do you make of these?',
      'and this one has none',
    ]);
    expect(turns.map((turn) => [turn.kind, turn.text])).toEqual([
      ['message', 'what do you make of these?'],
      ['message', 'and this one has none'],
    ]);
    expect(turns[0]?.attachments).toEqual([
      {
        name: 'notes.txt',
        sizeBytes: 9,
        source: { type: 'bytes', bytes: new Uint8Array(Buffer.from('buy milk\n')) },
        platform: 'console',
      },
      {
        name: 'my chart.png',
        sizeBytes: 4,
        source: { type: 'bytes', bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47]) },
        platform: 'console',
      },
    ]);
    expect(turns[1]).not.toHaveProperty('attachments');
    expect(printed).toContain('Attached notes.txt: it goes with your next message.');
    expect(printed).toContain('Attached my chart.png: 2 files go with your next message.');
  });

  it('says why a path cannot be attached, and attaches nothing', async () => {
    const missing = join(folder, 'nope.txt');
    const { turns, printed } = await chat([`/attach ${missing}`, `/attach ${folder}`, '/attach', 'hi']);
    expect(printed).toContain(`No file at ${missing}.`);
    expect(printed).toContain(`${folder} is not a file.`);
    expect(printed).toContain('Usage: /attach <path>');
    expect(turns).toHaveLength(1);
    expect(turns[0]).not.toHaveProperty('attachments');
  });

  it('lists /attach in the banner; /help goes to the worker, whose terminal help lists it too', async () => {
    const { turns, printed } = await chat(['/help']);
    expect(turns.map((turn) => turn.command?.name)).toEqual(['help']);
    expect(turns[0]!.target.platform).toBe('console');
    expect(printed.split('\n')[0]).toContain('/attach <path>');
  });

  it('resolves ~ and relative paths', async () => {
    expect(attachmentPath('notes.txt', folder)).toBe(join(folder, 'notes.txt'));
    expect(attachmentPath("'~/x.txt'", folder)).toMatch(/\/x\.txt$/);
    expect(attachmentPath('~/x.txt', folder).startsWith(folder)).toBe(false);
    expect(await readAttachment('notes.txt', folder)).toMatchObject({ attachment: { name: 'notes.txt' } });
  });
});
