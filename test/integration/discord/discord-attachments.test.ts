import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordIngress } from '../../../adapters/discord/index.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { PlatformIngress } from '../../../src/turn/platform-ingress.ts';
import { CDN_ROUTE, type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../../fakes/fake-discord-config.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';

// Files sent on the fake gateway through discord.js: the turn carries each as its CDN URL (no headers), and
// that URL serves the file's bytes without a token, as Discord's signed CDN URLs do.

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

let fake: FakeDiscord;
let sink: RecordingSink;
let ingress: PlatformIngress;

beforeAll(async () => {
  fake = await startFakeDiscord();
  sink = createRecordingSink();
  ingress = createDiscordIngress({ config: fakeDiscordConfig(fake), sink, logger: silentLogger });
  await ingress.start();
});

afterAll(async () => {
  await ingress?.stop();
  await fake?.close();
});

describe('Discord attachments', () => {
  it('makes the files of a guild mention turn.attachments, and keeps the text without their names', async () => {
    const sent = fake.sendMessageCreate({
      content: `${fake.mention} what is in these?`,
      attachments: [
        { filename: 'chart.png', content: PNG, content_type: 'image/png' },
        { filename: 'notes.txt', content: 'buy milk\n' },
      ],
    });
    const turn = await sink.waitFor((candidate) => candidate.id === sent.id);
    expect(turn.text).toBe('what is in these?');
    expect(turn.attachments).toEqual([
      {
        name: 'chart.png',
        mimeType: 'image/png',
        sizeBytes: PNG.length,
        source: { type: 'url', url: sent.attachments[0]!.url },
        fileId: sent.attachments[0]!.id,
        platform: 'discord',
      },
      {
        name: 'notes.txt',
        sizeBytes: 9,
        source: { type: 'url', url: sent.attachments[1]!.url },
        fileId: sent.attachments[1]!.id,
        platform: 'discord',
      },
    ]);
    expect(JSON.stringify(turn)).not.toContain(fake.token);
    expect(JSON.stringify(turn)).not.toMatch(/authorization/i);
  });

  it('answers a DM of a file alone', async () => {
    const sent = fake.sendMessageCreate({ dm: true, attachments: [{ filename: 'report.pdf' }] });
    const turn = await sink.waitFor((candidate) => candidate.id === sent.id);
    expect(turn).toMatchObject({ kind: 'message', text: '' });
    expect(turn.attachments?.map((file) => [file.name, file.sizeBytes])).toEqual([['report.pdf', 1024]]);
  });

  it('serves the bytes at the CDN URL without a token; an unknown file is gone (404)', async () => {
    const sent = fake.sendMessageCreate({
      content: `${fake.mention} look`,
      attachments: [{ filename: 'chart two.png', content: PNG, content_type: 'image/png' }],
    });
    const turn = await sink.waitFor((candidate) => candidate.id === sent.id);
    const source = turn.attachments?.[0]?.source;
    if (source?.type !== 'url') throw new Error('expected a URL source');
    const response = await fetch(source.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(PNG);
    expect(fake.cdnRequests().at(-1)).toMatchObject({ route: CDN_ROUTE, authorized: false, status: 200 });

    const gone = await fetch(source.url.replace(sent.attachments[0]!.id, '1'));
    expect(gone.status).toBe(404);
  });

  it('fails a CDN download when told to (failNext)', async () => {
    const file = fake.addAttachment({ filename: 'a.txt', content: 'a' });
    fake.failNext(CDN_ROUTE, 1, { status: 503 });
    expect((await fetch(file.url)).status).toBe(503);
    expect(await (await fetch(file.url)).text()).toBe('a');
  });
});
