import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../src/app/metrics.ts';
import type { Attachment } from '../../../../src/attachments/attachment.ts';
import { summarizeIfNeeded } from '../../../../src/history/summarize.ts';
import type { ChatMessage } from '../../../../src/model/model-client.ts';
import { prepareTurnAttachments } from '../../../../src/turn/phases/prepare-turn-attachments.ts';
import { runMessageTurn } from '../../../../src/turn/phases/run-message-turn.ts';
import type { FileSettings, TurnProcessorOptions } from '../../../../src/turn/turn-processor-options.ts';
import { makePng, makeTextPdf } from '../../attachments/sample-files.ts';
import { makeDependencies, makeJob, makeTurn } from '../turn-fixtures.ts';

const FILES: FileSettings = {
  vision: 'on',
  imageDetail: 'low',
  maxFileTokens: 2_000,
  maxImageBytes: 1_000_000,
};

function bytesFile(name: string, bytes: Uint8Array | string, mimeType?: string): Attachment {
  const content = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return { name, mimeType, source: { type: 'bytes', bytes: content }, platform: 'console' };
}

function filesDependencies(steps: string[], overrides: Partial<TurnProcessorOptions> = {}) {
  return makeDependencies({
    steps: steps.map((text) => ({ text })),
    overrides: { files: FILES, ...overrides },
  });
}

/** The request's last user message. */
function lastUser(messages: readonly ChatMessage[]): ChatMessage {
  return messages.filter((message) => message.role === 'user').at(-1)!;
}

const png = makePng(40, 30);
const pngBase64 = Buffer.from(png).toString('base64');

describe('runMessageTurn with attached files', () => {
  it('sends the image as an image part and the text file as its block, and stores both', async () => {
    const deps = filesDependencies(['A red square and a note.']);
    const turn = makeTurn({
      text: 'what are these?',
      attachments: [bytesFile('screenshot.png', png, 'image/png'), bytesFile('notes.txt', 'buy milk\n')],
    });
    await runMessageTurn(deps, makeJob(turn), deps.logger);

    const user = lastUser(deps.model.requests[0]!.messages);
    expect(user.content).toContain('what are these?');
    expect(user.content).toContain('buy milk');
    expect(user.images).toEqual([{ mimeType: 'image/png', dataBase64: pngBase64, detail: 'low' }]);
    expect(deps.channel.finishedTexts()).toEqual(['A red square and a note.']);

    const [stored] = await deps.store.load('console:s');
    expect(stored?.attachments).toMatchObject([
      { name: 'screenshot.png', kind: 'image', mimeType: 'image/png', width: 40, height: 30 },
      { name: 'notes.txt', kind: 'text', truncated: false },
    ]);
    const [image, note] = stored!.attachments!;
    expect(note?.text).toContain('buy milk');
    // The message's tokens cover its files: more than the text alone costs.
    expect(stored!.tokens).toBeGreaterThan((image?.tokens ?? 0) + (note?.tokens ?? 0));
    const kept = await deps.store.loadImages('console:s', [image!.sha256!]);
    expect(Buffer.from(kept.get(image!.sha256!)!.bytes)).toEqual(Buffer.from(png));
    expect(deps.metrics.events.filter(([name]) => name === 'attachment')).toEqual([
      ['attachment', 'image', 'prepared', 0],
      ['attachment', 'text', 'prepared', 0],
    ]);
  });

  it("reads a PDF's text layer into the prompt", async () => {
    const deps = filesDependencies(['It is an invoice.']);
    const pdf = await makeTextPdf(['Invoice 4711 total 99 EUR']);
    await runMessageTurn(
      deps,
      makeJob(makeTurn({ attachments: [bytesFile('invoice.pdf', pdf, 'application/pdf')] })),
      deps.logger,
    );
    expect(lastUser(deps.model.requests[0]!.messages).content).toContain('Invoice 4711');
  });

  it("still carries the first turn's image and file in the second turn", async () => {
    const deps = filesDependencies(['Seen.', 'Still there.']);
    const first = makeTurn({
      attachments: [bytesFile('screenshot.png', png, 'image/png'), bytesFile('notes.txt', 'buy milk\n')],
    });
    await runMessageTurn(deps, makeJob(first), deps.logger);
    const second = makeTurn({ id: 'turn-2', text: 'and now?' });
    await runMessageTurn(deps, makeJob(second, { seq: 2 }), deps.logger);

    const messages = deps.model.requests[1]!.messages;
    expect(lastUser(messages).content).toContain('and now?');
    const earlier = messages.find((message) => message.content.includes('buy milk'));
    expect(earlier?.role).toBe('user');
    expect(earlier?.images?.map((image) => image.dataBase64)).toEqual([pngBase64]);
  });

  it('says it cannot see images when vision is off, and still answers the text', async () => {
    const deps = filesDependencies(['Hello!'], { files: { ...FILES, vision: 'off' } });
    const turn = makeTurn({ attachments: [bytesFile('screenshot.png', png, 'image/png')] });
    await runMessageTurn(deps, makeJob(turn), deps.logger);

    const user = lastUser(deps.model.requests[0]!.messages);
    expect(user.content).toContain('hello there');
    expect(user.images).toBeUndefined();
    expect(deps.channel.finishedTexts()).toEqual([
      "Hello!\n\n_(I can't see images with this model, so I did not look at screenshot.png.)_",
    ]);
    const [stored] = await deps.store.load('console:s');
    expect(stored?.attachments).toEqual([{ name: 'screenshot.png', kind: 'skipped', reason: 'vision_off' }]);
  });

  it("shows every skipped file's sentence on a line of its own", async () => {
    const deps = filesDependencies(['Answered anyway.']);
    const turn = makeTurn({
      attachments: [
        bytesFile('archive.zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]), 'application/zip'),
        bytesFile('broken.pdf', '%PDF-1.7\ngarbage', 'application/pdf'),
      ],
    });
    await runMessageTurn(deps, makeJob(turn), deps.logger);

    const [answer, ...notices] = deps.channel.finishedTexts()[0]!.split('\n');
    expect(answer).toBe('Answered anyway.');
    expect(notices.filter((line) => line !== '')).toEqual([
      expect.stringMatching(/^_\(I skipped "archive\.zip": .*\)_$/),
      expect.stringMatching(/^_\(I couldn't read "broken\.pdf": .*\)_$/),
    ]);
    const [stored] = await deps.store.load('console:s');
    expect(stored?.attachments?.map((file) => [file.kind, file.reason])).toEqual([
      ['skipped', 'unsupported_type'],
      ['skipped', 'corrupt'],
    ]);
  });

  it('remembers an image the store refuses as skipped (too large), with nothing half-stored', async () => {
    const deps = filesDependencies(['Text only.']);
    deps.store.putImage = async () => false;
    const turn = makeTurn({ attachments: [bytesFile('screenshot.png', png, 'image/png')] });
    await runMessageTurn(deps, makeJob(turn), deps.logger);

    expect(lastUser(deps.model.requests[0]!.messages).images).toBeUndefined();
    expect(deps.channel.finishedTexts()[0]).toMatch(/\n\n_\(I skipped "screenshot\.png": .*\)_$/);
    const [stored] = await deps.store.load('console:s');
    expect(stored?.attachments).toMatchObject([
      { name: 'screenshot.png', kind: 'skipped', reason: 'too_large' },
    ]);
    expect(stored?.attachments?.[0]?.sha256).toBeUndefined();
  });
});

describe('prepareTurnAttachments', () => {
  it("adds the platform's headers to its files' downloads, and only to its own", async () => {
    const seen: Array<string | null> = [];
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      return new Response('hello', { headers: { 'content-type': 'text/plain' } });
    };
    const deps = filesDependencies([], {
      attachmentHeaders: { slack: { Authorization: 'Bearer xoxb-test' } },
    });
    const url = (platform: string): Attachment => ({
      name: `${platform}.txt`,
      platform,
      source: { type: 'url', url: `https://files.example/${platform}.txt` },
    });
    const prepared = await prepareTurnAttachments(
      { ...deps, fetch },
      { sessionId: 'console:s', attachments: [url('slack'), url('discord')] },
    );
    expect(prepared.stored.map((file) => file.kind)).toEqual(['text', 'text']);
    expect(seen).toEqual(['Bearer xoxb-test', null]);
  });
});

describe('file metrics', () => {
  it('counts files by kind and outcome, and the bytes downloaded', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.attachment('image', 'prepared', 2_048);
    metrics.attachment('pdf', 'scanned_pdf', 100);
    metrics.attachment('text', 'too_many_files', 0);
    const text = await metrics.registry.metrics();
    expect(text).toContain('parley_files_total{kind="image",outcome="prepared"} 1');
    expect(text).toContain('parley_files_total{kind="pdf",outcome="scanned_pdf"} 1');
    expect(text).toContain('parley_files_total{kind="text",outcome="too_many_files"} 1');
    expect(text).toContain('parley_file_bytes_total{kind="image"} 2048');
    expect(text).toContain('parley_file_bytes_total{kind="pdf"} 100');
  });
});

describe('rolling summaries of messages with files', () => {
  it('show the summarizer the file names and the start of text files', async () => {
    const deps = filesDependencies(['Summary: Alice shared a note.']);
    const note = { name: 'notes.txt', kind: 'text' as const, text: 'buy milk', tokens: 5 };
    const image = { name: 'screenshot.png', kind: 'image' as const, sha256: 'ab', tokens: 85 };
    const messages = ['one', 'two', 'three', 'four'].map((content, index) => ({
      role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content,
      at: index,
      tokens: 100,
      ...(index === 0 ? { author: { id: 'U1', name: 'Alice' }, attachments: [note, image] } : {}),
    }));
    await deps.store.commitTurn('console:s', { seq: 1, messages });
    await summarizeIfNeeded('console:s', 400, {
      store: deps.store,
      model: deps.model,
      counter: deps.counter,
      historyBudget: 100,
      maxContextTokens: 4_000,
      maxReplyTokens: 500,
      threshold: 0.5,
      logger: deps.logger,
    });
    const input = deps.model.requests[0]!.messages.at(-1)!.content;
    expect(input).toContain(
      'Alice: one\n[attached file: notes.txt]\nbuy milk\n[attached image: screenshot.png]',
    );
  });
});
