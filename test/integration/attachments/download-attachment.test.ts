import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Attachment,
  AttachmentOutcomeEvent,
  PreparedAttachment,
} from '../../../src/attachments/attachment.ts';
import { prepareAttachment } from '../../../src/attachments/prepare-attachment.ts';
import { prepareAttachments } from '../../../src/attachments/prepare-attachments.ts';
import type { PrepareOptions } from '../../../src/attachments/prepare-options.ts';
import { makePng, makeTextPdf } from '../../unit/attachments/sample-files.ts';
import { type FakeFileHost, GOOD_TOKEN, NO_SCOPE_TOKEN, startFakeFileHost } from './fake-file-host.ts';

let host: FakeFileHost;
let elsewhere: FakeFileHost;
const png = makePng(800, 600);
const csv = new TextEncoder().encode('region,revenue\nnorth,12\nsouth,9\n');
const options: PrepareOptions = { model: 'gpt-4o', vision: true, timeoutMs: 5_000 };

beforeAll(async () => {
  host = await startFakeFileHost();
  elsewhere = await startFakeFileHost();
  host.add('T1-F1', 'report.csv', { body: csv, contentType: 'text/csv' });
  host.add('T1-F2', 'chart.png', { body: png, contentType: 'image/png' });
  host.add('T1-F3', 'q3.pdf', {
    body: await makeTextPdf(['Revenue grew in the third quarter']),
    contentType: 'application/pdf',
  });
});

afterAll(async () => {
  await host.close();
  await elsewhere.close();
});

function slackFile(
  id: string,
  name: string,
  token = GOOD_TOKEN,
  extra: Partial<Attachment> = {},
): Attachment {
  return {
    name,
    fileId: id,
    platform: 'slack',
    source: {
      type: 'url',
      url: `${host.url}/files-pri/${id}/download/${name}`,
      headers: { Authorization: `Bearer ${token}` },
    },
    ...extra,
  };
}

function at(path: string, extra: Partial<Attachment> = {}): Attachment {
  return {
    name: 'file.txt',
    source: { type: 'url', url: `${host.url}${path}`, headers: { Authorization: `Bearer ${GOOD_TOKEN}` } },
    ...extra,
  };
}

function reasonOf(outcome: PreparedAttachment): string {
  return outcome.outcome === 'skipped' ? outcome.reason : outcome.outcome;
}

describe('downloading attachments from a Slack-like host', () => {
  it('follows the download redirect with the token and reads the file', async () => {
    const before = host.requests.length;
    const outcome = await prepareAttachment(slackFile('T1-F1', 'report.csv'), options);
    expect(outcome).toMatchObject({
      outcome: 'text',
      kind: 'csv',
      text: 'region,revenue\nnorth,12\nsouth,9\n',
    });
    const hops = host.requests.slice(before);
    expect(hops.map((hop) => hop.url)).toEqual([
      '/files-pri/T1-F1/download/report.csv',
      '/files-origin/T1-F1/report.csv?origin=1',
    ]);
    expect(hops.every((hop) => hop.authorization === `Bearer ${GOOD_TOKEN}`)).toBe(true);
  });

  it('downloads an image and a PDF, reporting the bytes received', async () => {
    const events: AttachmentOutcomeEvent[] = [];
    const [image, pdf] = await prepareAttachments(
      [slackFile('T1-F2', 'chart.png'), slackFile('T1-F3', 'q3.pdf')],
      {
        ...options,
        onOutcome: (event) => events.push(event),
      },
    );
    expect(image).toMatchObject({
      outcome: 'image',
      width: 800,
      height: 600,
      sha256: createHash('sha256').update(png).digest('hex'),
    });
    expect(pdf).toMatchObject({ outcome: 'text', kind: 'pdf' });
    expect(pdf?.outcome === 'text' && pdf.text).toContain('Revenue grew in the third quarter');
    expect(events).toContainEqual({ kind: 'image', outcome: 'prepared', bytesDownloaded: png.byteLength });
  });
});

describe('classifying failed downloads', () => {
  it('tells a workspace whose token lacks files:read to add the scope (Slack serves its sign-in page)', async () => {
    const outcome = await prepareAttachment(slackFile('T1-F1', 'report.csv', NO_SCOPE_TOKEN), options);
    expect(reasonOf(outcome)).toBe('missing_scope');
    expect(outcome.outcome === 'skipped' && outcome.message).toContain('files:read');
  });

  it('reads a refused token (403) as a missing scope too', async () => {
    expect(reasonOf(await prepareAttachment(slackFile('T1-F1', 'report.csv', 'xoxb-revoked'), options))).toBe(
      'missing_scope',
    );
  });

  it('reports a file deleted before download as not_found (404 and 410)', async () => {
    const deleted = await prepareAttachment(slackFile('T1-GONE', 'old.txt'), options);
    expect(reasonOf(deleted)).toBe('not_found');
    expect(deleted.outcome === 'skipped' && deleted.message).toContain('deleted');
    expect(reasonOf(await prepareAttachment(at('/gone'), options))).toBe('not_found');
  });

  it('stops reading a body larger than announced, closing the connection', async () => {
    const events: AttachmentOutcomeEvent[] = [];
    const maxBytes = 1024 * 1024;
    const outcome = await prepareAttachment(at('/stream', { name: 'huge.log', sizeBytes: 2_000 }), {
      ...options,
      maxBytes,
      onOutcome: (event) => events.push(event),
    });
    expect(reasonOf(outcome)).toBe('too_large');
    const received = events[0]?.bytesDownloaded ?? 0;
    expect(received).toBeGreaterThan(maxBytes);
    expect(received).toBeLessThan(maxBytes + 256 * 1024);
    await expect.poll(() => host.streamed.closedEarly).toBe(true);
    expect(host.streamed.bytes).toBeLessThan(100 * 1024 * 1024);
  });

  it('refuses an announced Content-Length over the limit without reading the body', async () => {
    const events: AttachmentOutcomeEvent[] = [];
    const outcome = await prepareAttachment(at('/announced-huge'), {
      ...options,
      onOutcome: (event) => events.push(event),
    });
    expect(reasonOf(outcome)).toBe('too_large');
    expect(outcome.outcome === 'skipped' && outcome.message).toContain('it is 50 MB');
    expect(events[0]?.bytesDownloaded).toBe(0);
  });

  it('drops the token on a redirect to another origin', async () => {
    const target = `${elsewhere.url}/files-origin/T9/x.txt`;
    const outcome = await prepareAttachment(at(`/offsite?to=${encodeURIComponent(target)}`), options);
    expect(elsewhere.requests).toEqual([{ url: '/files-origin/T9/x.txt', authorization: undefined }]);
    expect(reasonOf(outcome)).toBe('not_found');
  });

  it('gives up on a redirect loop, a server error and a server that never answers', async () => {
    const [loop, error, hang] = await prepareAttachments([at('/loop'), at('/error'), at('/hang')], {
      ...options,
      timeoutMs: 500,
    });
    expect([loop, error, hang].map((outcome) => outcome && reasonOf(outcome))).toEqual([
      'download_failed',
      'download_failed',
      'download_failed',
    ]);
    expect(error?.outcome === 'skipped' && error.message).toContain('HTTP 500');
    expect(hang?.outcome === 'skipped' && hang.message).toContain('timed out');
    expect(host.requests.filter((request) => request.url === '/loop').length).toBe(6);
  });

  it('reports a host that refuses connections as download_failed', async () => {
    const closed = await startFakeFileHost();
    await closed.close();
    const outcome = await prepareAttachment(
      { name: 'a.txt', source: { type: 'url', url: `${closed.url}/direct/a.txt` } },
      options,
    );
    expect(reasonOf(outcome)).toBe('download_failed');
  });
});
