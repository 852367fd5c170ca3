import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/turn/turn.ts';
import {
  BOT_TOKEN,
  type Envelope,
  laterCopy,
  loadPayload,
  type RealPayloadHarness,
  startRealPayloadHarness,
} from './real-payload-harness.ts';

// Files through the real Bolt app on the fake Web API, which serves them as Slack does: the bytes only with the
// bot token, a login page without it. The recorded file_share DM (S09) carries the fake's files, content adapted.

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

let harness: RealPayloadHarness;
let seconds = 0;

beforeAll(async () => {
  harness = await startRealPayloadHarness();
});
afterAll(() => harness?.close());
beforeEach(() => harness.api.reset());

/** The recorded file_share DM, later each time, carrying `files` (and `text`, when given). */
function fileShare(files: unknown[], text?: string): Envelope {
  seconds += 10;
  const recorded = loadPayload<Envelope>('sw-file-share-im.json');
  return laterCopy(recorded, seconds, { files, ...(text === undefined ? {} : { text, blocks: [] }) });
}

const turnIdOf = (envelope: Envelope) => `${envelope.event.channel}:${envelope.event.ts}`;

function urlOf(turn: Turn, index = 0): string {
  const source = turn.attachments?.[index]?.source;
  if (source?.type !== 'url') throw new Error('expected a URL source');
  return source.url;
}

function expectNoCredentials(turn: Turn): void {
  const json = JSON.stringify(turn);
  expect(json).not.toContain(BOT_TOKEN);
  expect(json).not.toMatch(/authorization|bearer|headers/i);
}

describe('Slack files', () => {
  it('attaches a shared file by its download URL, which serves the bytes only with the bot token', async () => {
    const file = harness.api.addFile({ name: 'chart.png', mimetype: 'image/png', bytes: PNG });
    const envelope = fileShare([file], '');
    const turn = await harness.expectTurn(envelope, turnIdOf(envelope));
    expect(turn).toMatchObject({ kind: 'message', text: '' });
    expect(turn.attachments).toEqual([
      {
        name: 'chart.png',
        mimeType: 'image/png',
        sizeBytes: PNG.length,
        source: { type: 'url', url: file.url_private_download },
        fileId: file.id,
        platform: 'slack',
      },
    ]);
    expectNoCredentials(turn);
    expect(harness.api.callsTo('files.info')).toEqual([]);

    const url = urlOf(turn);
    const withToken = await fetch(url, { headers: { authorization: `Bearer ${BOT_TOKEN}` } });
    expect(withToken.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await withToken.arrayBuffer())).toEqual(PNG);
    for (const headers of [{}, { authorization: 'Bearer xoxb-someone-else' }] as Record<string, string>[]) {
      const refused = await fetch(url, { headers });
      expect(refused.status).toBe(200);
      expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await refused.text()).toContain('Sign in to Slack');
    }
    expect(harness.api.downloads.map((download) => download.served)).toEqual([true, false, false]);
  });

  it('asks files.info (with the bot token) for a Slack Connect file, and attaches its URL', async () => {
    const stub = harness.api.addFile({
      name: 'contract.pdf',
      mimetype: 'application/pdf',
      bytes: '%PDF-1.4',
      slackConnect: true,
    });
    expect(stub).toMatchObject({ file_access: 'check_file_info' });
    expect(stub).not.toHaveProperty('url_private_download');
    const envelope = fileShare([stub], 'from our partner');
    const turn = await harness.expectTurn(envelope, turnIdOf(envelope));
    expect(harness.api.callsTo('files.info').map((call) => [call.body.file, call.token])).toEqual([
      [stub.id, BOT_TOKEN],
    ]);
    const known = harness.api.files.get(stub.id as string)!;
    expect(turn.attachments).toEqual([
      {
        name: 'contract.pdf',
        mimeType: 'application/pdf',
        sizeBytes: 8,
        source: { type: 'url', url: known.object.url_private_download },
        fileId: stub.id,
        platform: 'slack',
      },
    ]);
    expect(turn.text).toBe('from our partner');
    expectNoCredentials(turn);
  });

  it('still attaches a Slack Connect file when files.info fails, with what the event said', async () => {
    const stub = harness.api.addFile({ name: 'secret.txt', bytes: 'x', slackConnect: true });
    harness.api.failNext('files.info', 1, { ok: false, error: 'file_not_found' });
    const envelope = fileShare([stub], '');
    const turn = await harness.expectTurn(envelope, turnIdOf(envelope));
    expect(turn.attachments).toEqual([
      { name: stub.id, source: { type: 'url', url: '' }, fileId: stub.id, platform: 'slack' },
    ]);
    const warned = harness.logs
      .entries()
      .find((entry) => entry.msg?.toString().startsWith('files.info failed'));
    expect(warned).toMatchObject({ fileId: stub.id, reason: expect.stringContaining('file_not_found') });
  });

  it('does not let a slow files.info keep Slack waiting: the turn is queued without the URL', async () => {
    const stub = harness.api.addFile({ name: 'slow.txt', bytes: 'x', slackConnect: true });
    harness.api.delay('files.info', 1_500);
    const envelope = fileShare([stub], 'slow one');
    const started = Date.now();
    const turn = await harness.expectTurn(envelope, turnIdOf(envelope));
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(turn.attachments?.[0]).toMatchObject({ fileId: stub.id, source: { type: 'url', url: '' } });
  });

  it('leaves the files out of a reset (only what is answered or remembered carries them)', async () => {
    const file = harness.api.addFile({ name: 'a.txt', bytes: 'a' });
    const envelope = fileShare([file], 'reset');
    const turn = await harness.expectTurn(envelope, turnIdOf(envelope));
    expect(turn.kind).toBe('reset');
    expect(turn).not.toHaveProperty('attachments');
  });
});
