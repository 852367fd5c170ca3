import { describe, expect, it } from 'vitest';
import type { Attachment, AttachmentOutcomeEvent } from '../../../src/attachments/attachment.ts';
import { prepareAttachments } from '../../../src/attachments/prepare-attachments.ts';
import { makeCorruptPdf, makeGif, makePng, makePngBombHeader, makeTextPdf } from './sample-files.ts';

const bytesOf = (name: string, bytes: Uint8Array | string): Attachment => ({
  name,
  source: { type: 'bytes', bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes },
});

/** A fetch that serves `files[path]` after a delay, and records how many requests were in flight at once. */
function delayedFetch(files: Record<string, Uint8Array>, delayFor: (path: string) => number) {
  const stats = { inFlight: 0, peak: 0, requests: 0 };
  const fetchStub: typeof fetch = async (input) => {
    const path = new URL(String(input)).pathname;
    stats.requests++;
    stats.inFlight++;
    stats.peak = Math.max(stats.peak, stats.inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayFor(path)));
    stats.inFlight--;
    const body = files[path];
    return body ? new Response(body, { status: 200 }) : new Response('gone', { status: 404 });
  };
  return { fetchStub, stats };
}

describe('prepareAttachments', () => {
  it('prepares the first maxFiles of a 50-file batch in input order and marks the rest too_many_files', async () => {
    const files: Record<string, Uint8Array> = {};
    const attachments: Attachment[] = Array.from({ length: 50 }, (_, i) => {
      files[`/f/${i}.txt`] = new TextEncoder().encode(`file number ${i}`);
      return {
        name: `${i}.txt`,
        fileId: `F${i}`,
        source: { type: 'url', url: `http://files.test/f/${i}.txt` },
      };
    });
    // Later files answer sooner, so completion order is the reverse of input order.
    const { fetchStub, stats } = delayedFetch(files, (path) => 60 - Number(/\d+/.exec(path)?.[0]) * 5);
    const events: AttachmentOutcomeEvent[] = [];
    const outcomes = await prepareAttachments(attachments, {
      model: 'gpt-4o',
      vision: true,
      fetch: fetchStub,
      onOutcome: (event) => events.push(event),
    });

    expect(outcomes).toHaveLength(50);
    outcomes.slice(0, 10).forEach((outcome, i) => {
      expect(outcome).toMatchObject({
        outcome: 'text',
        name: `${i}.txt`,
        fileId: `F${i}`,
        text: `file number ${i}`,
      });
    });
    outcomes.slice(10).forEach((outcome, i) => {
      expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'too_many_files', name: `${i + 10}.txt` });
    });
    expect(stats.requests).toBe(10);
    expect(stats.peak).toBe(3);
    expect(events.filter((event) => event.outcome === 'prepared')).toHaveLength(10);
    expect(events.filter((event) => event.outcome === 'too_many_files')).toHaveLength(40);
    expect(events.reduce((sum, event) => sum + event.bytesDownloaded, 0)).toBe(
      Object.values(files)
        .slice(0, 10)
        .reduce((sum, body) => sum + body.byteLength, 0),
    );
  });

  it('honours maxFiles and concurrency', async () => {
    const files = { '/a': new TextEncoder().encode('a'), '/b': new TextEncoder().encode('b') };
    const { fetchStub, stats } = delayedFetch(files, () => 20);
    const list: Attachment[] = ['/a', '/b', '/a', '/b'].map((path, i) => ({
      name: `${i}.txt`,
      source: { type: 'url', url: `http://files.test${path}` },
    }));
    const outcomes = await prepareAttachments(list, {
      model: 'gpt-4o',
      vision: true,
      fetch: fetchStub,
      maxFiles: 3,
      concurrency: 1,
    });
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['text', 'text', 'text', 'skipped']);
    expect(stats.peak).toBe(1);
  });
});

describe('prepareAttachments on bad input', () => {
  it('turns a mix of bad input into skips without throwing', async () => {
    const { fetchStub } = delayedFetch({}, () => 1);
    const outcomes = await prepareAttachments(
      [
        bytesOf('ok.gif', makeGif(10, 10)),
        bytesOf('bomb.png', makePngBombHeader()),
        bytesOf('broken.pdf', makeCorruptPdf()),
        bytesOf('good.pdf', await makeTextPdf(['Hello from a PDF'])),
        bytesOf('binary.exe', Uint8Array.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00])),
        bytesOf('fake.png', 'definitely not a png \u0000\u0001'),
        { name: 'deleted.csv', source: { type: 'url', url: 'http://files.test/missing.csv' } },
        { name: 'ftp.txt', source: { type: 'url', url: 'ftp://files.test/a.txt' } },
        bytesOf('tiny.png', makePng(1, 1)),
      ],
      { model: 'gpt-4o', vision: true, fetch: fetchStub },
    );
    expect(
      outcomes.map((outcome) => (outcome.outcome === 'skipped' ? outcome.reason : outcome.outcome)),
    ).toEqual([
      'image',
      'image_too_many_pixels',
      'corrupt',
      'text',
      'unsupported_type',
      'corrupt',
      'not_found',
      'download_failed',
      'image',
    ]);
  });

  it("rejects when the caller aborts, rather than reporting the caller's abort as a failed download", async () => {
    const controller = new AbortController();
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const pending = prepareAttachments(
      [{ name: 'a.txt', source: { type: 'url', url: 'http://files.test/a' } }],
      {
        model: 'gpt-4o',
        vision: true,
        fetch: hanging,
        signal: controller.signal,
      },
    );
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('returns an empty list for no attachments', async () => {
    expect(await prepareAttachments([], { model: 'gpt-4o', vision: false })).toEqual([]);
  });
});
