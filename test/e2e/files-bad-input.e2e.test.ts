import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import type { StoredAttachment, StoredMessage } from '../../src/history/history-store.ts';
import { type FakeOpenAI, startFakeOpenAI, type WireChatMessage } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { imageUrlsOf, lastUser, textOf } from '../fakes/wire-message-parts.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startSlackParleyOnFakes } from '../helpers/slack-files-parley.ts';
import { slackEventsUrl } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { makePng, makePngBombHeader } from '../unit/attachments/sample-files.ts';

// Bad files through the whole product (Bolt over signed HTTP, Redis, BullMQ, the worker, the fake model): each
// one is named in a line under the answer, the message's text is still answered, and nothing of the file is kept
// half-way (the stored user message remembers it as skipped, with its reason, and no image bytes are kept).

const SECRET = 'e2e-files-bad-input-signing-secret';
const BOT = `<@${FIXTURE.botUserId}>`;
/** The image cap of the Parley that runs with a small `MAX_IMAGE_BYTES`. */
const SMALL_IMAGE_CAP = 1000;

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let parley: RunningParley;
let smallCap: RunningParley;

/** A Parley on the fake Slack with the fake's bot token, on its own key prefix. */
const startParleyWith = (prefix: string, env: Record<string, string> = {}) =>
  startSlackParleyOnFakes({ model, redis, api, signingSecret: SECRET }, prefix, env);

beforeAll(async () => {
  [model, redis, api] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFixtureSlackApi()]);
  [parley, smallCap] = await Promise.all([
    startParleyWith('files-bad-e2e'),
    startParleyWith('files-bad-e2e-small', { MAX_IMAGE_BYTES: String(SMALL_IMAGE_CAP) }),
  ]);
});

afterAll(async () => {
  await Promise.all([parley?.stop({ timeoutMs: 5_000 }), smallCap?.stop({ timeoutMs: 5_000 })]);
  await Promise.all([model?.close(), redis?.close(), api?.close()]);
});

afterEach(() => {
  model.reset();
  api.reset();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** All the bot's messages in a conversation (one thread, when given), joined: the answer and its notices. */
function replyText(channel: string, threadTs?: string): string {
  return api
    .messagesIn(channel, threadTs)
    .map((message) => message.text)
    .join('\n');
}

/** Waits until the bot's reply in the conversation ends with `ending`; resolves with it. */
function reply(channel: string, threadTs: string | undefined, ending: string, timeoutMs = 20_000) {
  const seen = () =>
    `the reply in ${channel}/${threadTs} to end with ${ending}; seen: ${JSON.stringify(replyText(channel, threadTs))}`;
  return waitFor(
    seen,
    () => {
      const text = replyText(channel, threadTs);
      return text.endsWith(ending) ? text : undefined;
    },
    { timeoutMs },
  );
}

/** The stored user message of a session, once the turn is committed. */
function storedUser(on: RunningParley, sessionId: string): Promise<StoredMessage> {
  return waitFor(`the stored user message of ${sessionId}`, async () => {
    const stored = await on.store.load(sessionId);
    return stored.some((message) => message.role === 'assistant')
      ? stored.find((message) => message.role === 'user')
      : undefined;
  });
}

interface Answered {
  /** The reply, notices included. */
  reply: string;
  /** The user message the model was sent. */
  user: WireChatMessage | undefined;
  /** The user message as stored. */
  stored: StoredMessage;
  sessionId: string;
}

/**
 * Mentions the bot with `text` and `files` in a new thread; resolves once the turn is committed (its reply
 * posted) and the reply's notice line is there, or, if none comes, with the reply as posted (so the assertions
 * name what is missing instead of a timeout).
 */
async function mentionWithFiles(
  on: RunningParley,
  text: string,
  files: Record<string, unknown>[],
): Promise<Answered> {
  const root = nextTs();
  const response = await sendSlackEvent(
    slackEventsUrl(on),
    appMention({ ts: root, text: `${BOT} ${text}`, files }),
    { signingSecret: SECRET },
  );
  expect(response.status).toBe(200);
  const sessionId = `slack:${FIXTURE.team}:${FIXTURE.channel}:${root}`;
  const stored = await storedUser(on, sessionId);
  const answer = await reply(FIXTURE.channel, root, ')_', 3_000).catch(() =>
    replyText(FIXTURE.channel, root),
  );
  return { reply: answer, user: lastUser(model.requests[0]!.body.messages), stored, sessionId };
}

/** Asserts the message's text was answered and the one file is stored as skipped for `reason`, no image kept. */
function expectSkipped(answered: Answered, text: string, reason: string, name: string): StoredAttachment {
  expect(answered.reply).toContain('Answered anyway.');
  expect(textOf(answered.user)).toContain(text);
  expect(imageUrlsOf(answered.user)).toEqual([]);
  expect(answered.stored.content).toContain(text);
  expect(answered.stored.attachments).toHaveLength(1);
  const [kept] = answered.stored.attachments!;
  expect(kept).toMatchObject({ name, kind: 'skipped', reason });
  expect(kept).not.toHaveProperty('sha256');
  expect(kept).not.toHaveProperty('text');
  return kept!;
}

describe('bad files in a Slack conversation, end to end', () => {
  it('skips an image above MAX_IMAGE_BYTES, says so, answers the text and keeps no image', async () => {
    model.respondWith(() => 'Answered anyway.');
    const big = makePng(1000, 1000);
    expect(big.byteLength).toBeGreaterThan(SMALL_IMAGE_CAP);
    const file = api.addFile({ name: 'big.png', bytes: big, mimetype: 'image/png' });
    const answered = await mentionWithFiles(smallCap, 'what is in the big picture?', [file]);
    expect(answered.reply).toContain('I skipped "big.png"');
    expect(answered.reply).toContain(`I read files up to ${SMALL_IMAGE_CAP} B`);
    expectSkipped(answered, 'what is in the big picture?', 'too_large', 'big.png');
    expect((await smallCap.store.loadImages(answered.sessionId, [sha256(big)])).size).toBe(0);
  });

  it('skips a file of an unsupported type (random binary x.bin), naming what it reads', async () => {
    model.respondWith(() => 'Answered anyway.');
    const binary = Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 7919 + 13) % 256));
    const file = api.addFile({ name: 'x.bin', bytes: binary, mimetype: 'application/octet-stream' });
    const answered = await mentionWithFiles(parley, 'can you open this binary?', [file]);
    expect(answered.reply).toContain('I skipped "x.bin"');
    expect(answered.reply).toContain('I can read images (PNG, JPEG, GIF, WebP), PDFs and text or code files');
    expectSkipped(answered, 'can you open this binary?', 'unsupported_type', 'x.bin');
  });

  it('skips a corrupt PDF as damaged', async () => {
    model.respondWith(() => 'Answered anyway.');
    const file = api.addFile({ name: 'broken.pdf', bytes: '%PDF-1.7 garbage', mimetype: 'application/pdf' });
    const answered = await mentionWithFiles(parley, 'summarize the report please', [file]);
    expect(answered.reply).toContain('I couldn\'t read "broken.pdf": it looks damaged');
    expect(textOf(answered.user)).not.toContain('garbage');
    expectSkipped(answered, 'summarize the report please', 'corrupt', 'broken.pdf');
  });

  it('skips a decompression bomb (a PNG header claiming 100000×100000) and keeps no image', async () => {
    model.respondWith(() => 'Answered anyway.');
    const bomb = makePngBombHeader(100_000, 100_000);
    const file = api.addFile({ name: 'bomb.png', bytes: bomb, mimetype: 'image/png' });
    const answered = await mentionWithFiles(parley, 'look at this huge image', [file]);
    expect(answered.reply).toContain('I skipped "bomb.png": it claims to be 100000×100000 pixels');
    expectSkipped(answered, 'look at this huge image', 'image_too_many_pixels', 'bomb.png');
    expect((await parley.store.loadImages(answered.sessionId, [sha256(bomb)])).size).toBe(0);
  });

  it('says a file was deleted when it is gone before the download (the fake answers 404)', async () => {
    model.respondWith(() => 'Answered anyway.');
    const file = api.addFile({ name: 'gone.txt', bytes: 'you will never read this', mimetype: 'text/plain' });
    api.files.delete(file.id as string);
    const answered = await mentionWithFiles(parley, 'read the note I attached', [file]);
    expect(api.downloads.map((download) => [download.fileId, download.status])).toEqual([[file.id, 404]]);
    expect(answered.reply).toContain(
      'I couldn\'t open "gone.txt": it was deleted before I could download it.',
    );
    expect(textOf(answered.user)).not.toContain('you will never read this');
    expectSkipped(answered, 'read the note I attached', 'not_found', 'gone.txt');
  });

  it('reads the first 10 of 50 files, names the other 40 as too many, and still answers', async () => {
    model.respondWith(() => 'Answered anyway.');
    const names = Array.from({ length: 50 }, (_, index) => `f${String(index + 1).padStart(2, '0')}.txt`);
    const files = names.map((name) =>
      api.addFile({ name, bytes: `content of ${name} is here\n`, mimetype: 'text/plain' }),
    );
    const answered = await mentionWithFiles(parley, 'compare all these files', files);
    expect(answered.reply).toContain('Answered anyway.');
    expect(textOf(answered.user)).toContain('compare all these files');
    for (const name of names.slice(0, 10)) {
      expect(textOf(answered.user)).toContain(`content of ${name} is here`);
      expect(answered.reply).not.toContain(`"${name}"`);
    }
    for (const name of names.slice(10)) {
      expect(textOf(answered.user)).not.toContain(`content of ${name} is here`);
      expect(answered.reply).toContain(`I skipped "${name}": I read at most 10 files per message.`);
    }
    // Only the admitted files were downloaded.
    expect(new Set(api.downloads.map((download) => download.fileId))).toEqual(
      new Set(files.slice(0, 10).map((file) => file.id)),
    );
    const kept = answered.stored.attachments ?? [];
    expect(kept.map((attachment) => attachment.name)).toEqual(names);
    expect(kept.slice(0, 10).every((attachment) => attachment.kind === 'text')).toBe(true);
    for (const attachment of kept.slice(10)) {
      expect(attachment).toMatchObject({ kind: 'skipped', reason: 'too_many_files' });
      expect(attachment).not.toHaveProperty('text');
    }
  });
});

// The recorded payloads (SOURCES.md S09, S10), read in place; the recording's bot ids become the fixture's bot,
// and each file's URLs point at a file of the same id the fake serves (content adapted: the recorded files'
// bytes are not in the recordings).

const REAL_PAYLOADS = new URL('../../../shared/fixtures/real-payloads/slack/', import.meta.url);
const RECORDED_BOT_USERS = [
  'U00FAKEBOT01',
  'U0442US8QGH',
  'U0A9G5N5URZ',
  'U0B2H7P8VTX',
  'U0ADXR1N57A',
  'U05R8PST0H5',
];

interface RecordedEnvelope {
  team_id: string;
  event_id: string;
  event: Record<string, unknown> & { channel: string; ts: string; files: Array<Record<string, unknown>> };
  [key: string]: unknown;
}

function loadRecorded(name: string): RecordedEnvelope {
  const stored = JSON.parse(readFileSync(new URL(name, REAL_PAYLOADS), 'utf8')) as { payload: unknown };
  let text = JSON.stringify(stored.payload);
  for (const id of RECORDED_BOT_USERS) text = text.replaceAll(id, FIXTURE.botUserId);
  return JSON.parse(text) as RecordedEnvelope;
}

/** The recorded envelope with each file's URLs on the fake, which serves `bytes[index]` under the file's id. */
function withServedFiles(envelope: RecordedEnvelope, bytes: Array<Uint8Array | string>): RecordedEnvelope {
  const files = envelope.event.files.map((recorded, index) => {
    const served = api.addFile({
      id: recorded.id as string,
      name: recorded.name as string,
      mimetype: recorded.mimetype as string,
      bytes: bytes[index]!,
    });
    return {
      ...recorded,
      url_private: served.url_private,
      url_private_download: served.url_private_download,
    };
  });
  return { ...envelope, event: { ...envelope.event, files } };
}

describe('recorded Slack payloads with files reach the model with their files', () => {
  it('S09: a file_share DM carries its text file to the model', async () => {
    model.respondWith(() => 'A kitten, then.');
    const envelope = withServedFiles(loadRecorded('sw-file-share-im.json'), ['hug a kitten']);
    const { channel, ts } = envelope.event;
    const response = await sendSlackEvent(slackEventsUrl(parley), envelope, { signingSecret: SECRET });
    expect(response.status).toBe(200);
    const answer = await reply(channel, undefined, 'A kitten, then.');
    expect(answer).not.toContain(')_');
    expect(api.downloads.map((download) => [download.fileId, download.served])).toEqual([
      ['F04EEHX1EES', true],
    ]);
    const user = lastUser(model.requests[0]!.body.messages);
    expect(textOf(user)).toContain('message message message');
    expect(textOf(user)).toContain('namenamename.txt');
    expect(textOf(user)).toContain('hug a kitten');
    const stored = await storedUser(parley, `slack:${envelope.team_id}:${channel}`);
    expect(stored.attachments).toMatchObject([{ name: 'namenamename.txt', kind: 'text' }]);
    expect(stored.attachments?.[0]?.text).toContain('hug a kitten');
    expect(ts).toBe('1670631527.874149');
  });

  it('S10: a mention with an image file carries the image to the model', async () => {
    model.respondWith(() => 'Let me explain it differently.');
    const png = makePng(800, 1472, [10, 120, 200]);
    const envelope = withServedFiles(loadRecorded('vercel-mention-with-file.json'), [png]);
    const { channel, ts } = envelope.event;
    const response = await sendSlackEvent(slackEventsUrl(parley), envelope, { signingSecret: SECRET });
    expect(response.status).toBe(200);
    const answer = await reply(channel, ts, 'Let me explain it differently.');
    expect(answer).not.toContain(')_');
    expect(api.downloads.map((download) => [download.fileId, download.served])).toEqual([
      ['F0AD236ATJN', true],
    ]);
    const user = lastUser(model.requests[0]!.body.messages);
    expect(textOf(user)).toContain("I don't really understand this explanation.");
    expect(imageUrlsOf(user)).toEqual([`data:image/png;base64,${Buffer.from(png).toString('base64')}`]);
    const sessionId = `slack:${envelope.team_id}:${channel}:${ts}`;
    const stored = await storedUser(parley, sessionId);
    expect(stored.attachments).toMatchObject([
      { name: 'image.png', kind: 'image', sha256: sha256(png), width: 800, height: 1472 },
    ]);
    expect((await parley.store.loadImages(sessionId, [sha256(png)])).size).toBe(1);
  });
});
