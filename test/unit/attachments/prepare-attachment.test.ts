import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type {
  Attachment,
  AttachmentOutcomeEvent,
  PreparedAttachment,
} from '../../../src/attachments/attachment.ts';
import { prepareAttachment } from '../../../src/attachments/prepare-attachment.ts';
import type { PrepareOptions } from '../../../src/attachments/prepare-options.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import {
  makeCorruptPdf,
  makeImageOnlyPdf,
  makePng,
  makePngBombHeader,
  makeTextPdf,
  makeWebp,
} from './sample-files.ts';

const options: PrepareOptions = { model: 'gpt-4o', vision: true };
const file = (name: string, bytes: Uint8Array | string, extra: Partial<Attachment> = {}): Attachment => ({
  name,
  source: { type: 'bytes', bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes },
  ...extra,
});

function expectSkipped(
  outcome: PreparedAttachment,
  reason: string,
): asserts outcome is Extract<PreparedAttachment, { outcome: 'skipped' }> {
  expect(outcome).toMatchObject({ outcome: 'skipped', reason });
}

describe('prepareAttachment: images', () => {
  it('measures an image, counts its tokens and hashes its bytes', async () => {
    const png = makePng(1024, 1024);
    const outcome = await prepareAttachment(
      file('chart.png', png, { fileId: 'F1', mimeType: 'image/png' }),
      options,
    );
    expect(outcome).toEqual({
      outcome: 'image',
      name: 'chart.png',
      fileId: 'F1',
      bytes: png,
      mimeType: 'image/png',
      width: 1024,
      height: 1024,
      detail: 'auto',
      tokens: 765,
      sha256: createHash('sha256').update(png).digest('hex'),
    });
  });

  it('counts at the detail it was asked for', async () => {
    const outcome = await prepareAttachment(file('a.webp', makeWebp(4000, 3000)), {
      ...options,
      imageDetail: 'low',
    });
    expect(outcome).toMatchObject({ outcome: 'image', mimeType: 'image/webp', detail: 'low', tokens: 85 });
  });

  it('refuses a decompression bomb and images for a model without vision', async () => {
    const bomb = await prepareAttachment(file('bomb.png', makePngBombHeader()), options);
    expectSkipped(bomb, 'image_too_many_pixels');
    expect(bomb.message).toContain('100000×100000');
    expectSkipped(
      await prepareAttachment(file('a.png', makePng(4, 4)), { ...options, vision: false }),
      'vision_off',
    );
    // Misnamed: only the bytes show it is an image.
    expectSkipped(
      await prepareAttachment(file('a.dat', makePng(4, 4)), { ...options, vision: false }),
      'vision_off',
    );
  });

  it('refuses an image over maxImageBytes', async () => {
    const outcome = await prepareAttachment(file('a.png', makePng(64, 64)), {
      ...options,
      maxImageBytes: 100,
    });
    expectSkipped(outcome, 'too_large');
  });
});

describe('prepareAttachment: PDFs', () => {
  it('extracts the text layer of a real PDF, page by page', async () => {
    const pdf = await makeTextPdf([
      'Quarterly revenue rose 12 percent',
      'Churn fell to 3 percent\nin the second half',
    ]);
    const outcome = await prepareAttachment(file('q3.pdf', pdf, { mimeType: 'application/pdf' }), options);
    expect(outcome).toMatchObject({
      outcome: 'text',
      kind: 'pdf',
      mimeType: 'application/pdf',
      truncated: false,
    });
    if (outcome.outcome !== 'text') throw new Error('unreachable');
    expect(outcome.text).toContain('Quarterly revenue rose 12 percent');
    expect(outcome.text).toContain('Churn fell to 3 percent');
    expect(outcome.text.indexOf('Quarterly')).toBeLessThan(outcome.text.indexOf('Churn'));
    expect(outcome.block).toMatch(/^File q3\.pdf \(application\/pdf, \d+ KB, 2 pages\):\n```\n/);
    expect(outcome.tokens).toBe(getTokenCounter('gpt-4o').count(outcome.text));
    // The caller's bytes are still whole after PDF.js has read its copy.
    expect(pdf.byteLength).toBeGreaterThan(0);
    expect(Buffer.from(pdf.subarray(0, 5)).toString()).toBe('%PDF-');
  });

  it('says a PDF with only an image has no text layer', async () => {
    const outcome = await prepareAttachment(file('scan.pdf', await makeImageOnlyPdf()), options);
    expectSkipped(outcome, 'scanned_pdf');
    expect(outcome.message).toContain('no text layer');
  });

  it('calls a broken PDF corrupt', async () => {
    expectSkipped(await prepareAttachment(file('broken.pdf', makeCorruptPdf()), options), 'corrupt');
    const real = await makeTextPdf(['some text here']);
    expectSkipped(await prepareAttachment(file('cut.pdf', real.subarray(0, 200)), options), 'corrupt');
  });

  it('caps a long PDF at maxFileTokens', async () => {
    const pages = Array.from({ length: 20 }, (_, page) =>
      Array.from({ length: 40 }, (_, line) => `Page ${page + 1} line ${line + 1} of the annual report`).join(
        '\n',
      ),
    );
    const outcome = await prepareAttachment(file('annual.pdf', await makeTextPdf(pages)), {
      ...options,
      maxFileTokens: 300,
    });
    expect(outcome).toMatchObject({ outcome: 'text', truncated: true });
    if (outcome.outcome !== 'text') throw new Error('unreachable');
    expect(outcome.tokens).toBeLessThanOrEqual(300);
    expect(outcome.text).toMatch(/^Page 1 line 1 of the annual report/);
    expect(outcome.text).toMatch(/…\[truncated: \d+ more tokens(; pages \d+–20 not read)?\]$/);
  });
});

describe('prepareAttachment: text files', () => {
  it('decodes, strips the BOM and fences a CSV', async () => {
    const csv = `\uFEFFregion,revenue\r\nnorth,12\r\nsouth,9\r\n`;
    const outcome = await prepareAttachment(
      file('report.csv', csv, { mimeType: 'text/csv', fileId: 'F9' }),
      options,
    );
    expect(outcome).toMatchObject({
      outcome: 'text',
      kind: 'csv',
      language: 'csv',
      text: 'region,revenue\nnorth,12\nsouth,9\n',
    });
    if (outcome.outcome !== 'text') throw new Error('unreachable');
    expect(outcome.block).toBe(
      'File report.csv (text/csv, 38 B):\n```csv\nregion,revenue\nnorth,12\nsouth,9\n```',
    );
    expect(outcome.blockTokens).toBe(getTokenCounter('gpt-4o').count(outcome.block));
  });

  it('keeps a file containing fences inside its own block', async () => {
    const readme = '# Usage\n```sh\nnpm start\n```\n````\nnested\n````\n';
    const outcome = await prepareAttachment(file('README.md', readme), options);
    if (outcome.outcome !== 'text') throw new Error(`expected text, got ${outcome.outcome}`);
    expect(outcome.block.split('\n')[1]).toBe('`````markdown');
    expect(outcome.block.endsWith('\n`````')).toBe(true);
  });

  it('caps a long source file with a visible marker', async () => {
    const source = Array.from({ length: 4000 }, (_, i) => `export const value${i} = ${i};`).join('\n');
    const outcome = await prepareAttachment(file('big.ts', source), { ...options, maxFileTokens: 1000 });
    expect(outcome).toMatchObject({ outcome: 'text', kind: 'code', language: 'ts', truncated: true });
    if (outcome.outcome !== 'text') throw new Error('unreachable');
    expect(outcome.tokens).toBeLessThanOrEqual(1000);
    expect(outcome.text).toMatch(/\n…\[truncated: \d+ more tokens\]$/);
  });

  it('refuses binary files, and files over maxBytes before reading them', async () => {
    const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0x08, 0]);
    const unsupported = await prepareAttachment(file('deck.pptx', zip), options);
    expectSkipped(unsupported, 'unsupported_type');
    expect(unsupported.message).toContain('a .pptx file');
    expectSkipped(
      await prepareAttachment(file('a.txt', 'x'.repeat(2000)), { ...options, maxBytes: 1000 }),
      'too_large',
    );
    const reported = await prepareAttachment(file('a.txt', 'x', { sizeBytes: 5000 }), {
      ...options,
      maxBytes: 1000,
    });
    expectSkipped(reported, 'too_large');
    expect(reported.message).toContain('it is 5 KB, and I read files up to 1000 B');
  });
});

describe('prepareAttachment: reporting and misuse', () => {
  it('reports each outcome with its kind', async () => {
    const events: AttachmentOutcomeEvent[] = [];
    const onOutcome = (event: AttachmentOutcomeEvent) => events.push(event);
    await prepareAttachment(file('a.png', makePng(2, 2)), { ...options, onOutcome });
    await prepareAttachment(file('b.pdf', makeCorruptPdf()), { ...options, onOutcome });
    await prepareAttachment(file('c.md', '# hi'), { ...options, onOutcome });
    await prepareAttachment(file('d.bin', Uint8Array.from([0, 1, 2])), { ...options, onOutcome });
    expect(events).toEqual([
      { kind: 'image', outcome: 'prepared', bytesDownloaded: 0 },
      { kind: 'pdf', outcome: 'corrupt', bytesDownloaded: 0 },
      { kind: 'text', outcome: 'prepared', bytesDownloaded: 0 },
      { kind: 'other', outcome: 'unsupported_type', bytesDownloaded: 0 },
    ]);
  });

  it('throws for bad options, which are a programmer error', async () => {
    await expect(prepareAttachment(file('a.txt', 'x'), { ...options, maxBytes: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(prepareAttachment(file('a.txt', 'x'), { ...options, maxFileTokens: 5 })).rejects.toThrow(
      /maxFileTokens/,
    );
  });
});
