import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeMessage, FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { imageUrlsOf, lastUser, textOf } from '../fakes/wire-message-parts.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startSlackParleyOnFakes } from '../helpers/slack-files-parley.ts';
import { slackEventsUrl } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { makePng, makeTextPdf } from '../unit/attachments/sample-files.ts';

const SECRET = 'e2e-files-signing-secret';
const BOT = `<@${FIXTURE.botUserId}>`;

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let seeing: RunningParley;
let blind: RunningParley;

/** A Parley on the fake Slack with the fake's bot token, on its own key prefix. */
const startParleyWith = (prefix: string, env: Record<string, string> = {}) =>
  startSlackParleyOnFakes({ model, redis, api, signingSecret: SECRET }, prefix, env);

beforeAll(async () => {
  [model, redis, api] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFixtureSlackApi()]);
  [seeing, blind] = await Promise.all([
    startParleyWith('files-e2e'),
    startParleyWith('files-e2e-blind', { VISION: 'off' }),
  ]);
});

afterAll(async () => {
  await Promise.all([seeing?.stop({ timeoutMs: 5_000 }), blind?.stop({ timeoutMs: 5_000 })]);
  await Promise.all([model?.close(), redis?.close(), api?.close()]);
});

afterEach(() => model.reset());

async function mention(parley: RunningParley, event: Record<string, unknown>): Promise<void> {
  const response = await sendSlackEvent(slackEventsUrl(parley), appMention(event), { signingSecret: SECRET });
  expect(response.status).toBe(200);
}

/** Waits until the thread's `count`th reply (edited as it streams) ends with `ending`; returns the replies. */
function replies(threadTs: string, count: number, ending: string): Promise<FakeMessage[]> {
  return waitFor(`reply ${count} in thread ${threadTs} to end with ${ending}`, () => {
    const found = api.messagesIn(FIXTURE.channel, threadTs);
    return found[count - 1]?.text?.endsWith(ending) ? found : undefined;
  });
}

describe('files in a Slack conversation, end to end (Bolt, Redis, BullMQ, fake model)', () => {
  it('sends an image, a text file and a PDF, and the second turn still carries them', async () => {
    model.respondWith(() => 'I see a picture, a note and an invoice.');
    const png = makePng(40, 30);
    const pdf = await makeTextPdf(['Invoice 4711 total 99 EUR']);
    const files = [
      api.addFile({ name: 'screenshot.png', bytes: png, mimetype: 'image/png' }),
      api.addFile({ name: 'notes.txt', bytes: 'remember to buy milk\n', mimetype: 'text/plain' }),
      api.addFile({ name: 'invoice.pdf', bytes: pdf, mimetype: 'application/pdf' }),
    ];
    const root = nextTs();
    await mention(seeing, { ts: root, text: `${BOT} what are these?`, files });
    const [first] = await replies(root, 1, 'and an invoice.');
    expect(first?.text).toBe('I see a picture, a note and an invoice.');
    expect(api.downloads.every((download) => download.token === api.botToken && download.served)).toBe(true);

    const request = model.requests[0]!.body.messages;
    const user = lastUser(request);
    expect(textOf(user)).toContain('what are these?');
    expect(textOf(user)).toContain('remember to buy milk');
    expect(textOf(user)).toContain('Invoice 4711');
    expect(imageUrlsOf(user)).toEqual([`data:image/png;base64,${Buffer.from(png).toString('base64')}`]);

    model.respondWith(() => 'Still the same files.');
    await mention(seeing, { ts: nextTs(), thread_ts: root, text: `${BOT} and the total?` });
    await replies(root, 2, 'Still the same files.');
    const second = model.requests[1]!.body.messages;
    expect(textOf(lastUser(second))).toContain('and the total?');
    const earlier = second.find((message) => textOf(message).includes('what are these?'));
    expect(textOf(earlier)).toContain('remember to buy milk');
    expect(textOf(earlier)).toContain('Invoice 4711');
    expect(imageUrlsOf(earlier)).toHaveLength(1);
  });

  it('says it cannot see images when vision is off, and still answers the text', async () => {
    model.respondWith(() => 'Hello Alice.');
    const root = nextTs();
    const files = [api.addFile({ name: 'screenshot.png', bytes: makePng(20, 20), mimetype: 'image/png' })];
    await mention(blind, { ts: root, text: `${BOT} hello, look at this`, files });
    const [reply] = await replies(root, 1, 'screenshot.png.)_');
    expect(reply?.text).toContain('Hello Alice.');
    expect(reply?.text).toContain("I can't see images with this model, so I did not look at screenshot.png.");
    const user = lastUser(model.requests[0]!.body.messages);
    expect(textOf(user)).toContain('hello, look at this');
    expect(imageUrlsOf(user)).toEqual([]);
  });

  it('names the files:read scope when Slack serves a file only as its login page', async () => {
    model.respondWith(() => 'Answered without it.');
    const files = [api.addFile({ name: 'secret.txt', bytes: 'hidden', mimetype: 'text/plain' })];
    // The bot's token no longer opens files: as a token without `files:read`, it gets Slack's login page.
    const token = api.botToken;
    api.botToken = 'xoxb-another-token';
    try {
      const root = nextTs();
      await mention(seeing, { ts: root, text: `${BOT} read this please`, files });
      const [reply] = await replies(root, 1, ')_');
      expect(reply?.text).toContain('Answered without it.');
      expect(reply?.text).toContain('files:read');
      expect(reply?.text).toContain('secret.txt');
      expect(textOf(lastUser(model.requests[0]!.body.messages))).toContain('read this please');
      expect(textOf(lastUser(model.requests[0]!.body.messages))).not.toContain('hidden');
    } finally {
      api.botToken = token;
    }
  });
});
