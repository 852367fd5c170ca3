import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';
import { sendSlackEvent, sendSlashCommand } from '../../fakes/slack-signing.ts';
import { appMention, directMessage, FIXTURE, slashCommand, slashReset } from '../../fixtures/slack/events.ts';
import { type CapturedLogs, captureLogs } from '../../helpers/captured-logs.ts';
import { startFixtureSlackApi } from '../../helpers/fixture-slack-api.ts';
import {
  createTestSlackIngress,
  type ServedSlackIngress,
  serveSlackIngress,
} from '../../helpers/test-slack-ingress.ts';

// Who wrote a message, as the turn tells the core: Slackbot is not a person to answer, and workspace admins
// and owners are marked as such (commands reserved to admins read it).

const SECRET = 'authors-signing-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;
const ADMIN = 'U0ADMIN';
const OWNER = 'U0OWNER';

let api: FakeSlackApi;
let logs: CapturedLogs;
let sink: RecordingSink;
let ingress: ServedSlackIngress;
let url: string;

beforeAll(async () => {
  logs = captureLogs();
  api = await startFixtureSlackApi();
  api.users.set(ADMIN, { id: ADMIN, name: 'ada', profile: { display_name: 'Ada' }, is_admin: true });
  api.users.set(OWNER, { id: OWNER, name: 'otto', is_owner: true, is_primary_owner: true });
  sink = createRecordingSink();
  ingress = await serveSlackIngress(
    createTestSlackIngress({
      apiUrl: api.url,
      config: { signingSecret: SECRET },
      sink,
      logger: logs.logger('debug'),
    }),
  );
  url = ingress.url;
});

afterAll(async () => {
  await ingress?.stop();
  await api?.close();
});

beforeEach(() => {
  sink.turns.length = 0;
});

describe('Slackbot', () => {
  it('is not answered in the bot’s DM: the event is ignored, with the reason at debug', async () => {
    const reminder = directMessage({ user: 'USLACKBOT', text: 'Reminder: water the plants.' });
    const response = await sendSlackEvent(url, reminder, signed);
    // Acknowledged only once handled, so nothing can still be on its way to the sink.
    expect(response.status).toBe(200);
    expect(sink.turns).toHaveLength(0);
    const ignored = logs.entries().find((entry) => entry.eventId === reminder.event_id);
    expect(ignored).toMatchObject({ level: 20, msg: 'event ignored', reason: 'slackbot message' });
  });
});

describe('workspace admins and owners', () => {
  it('marks the author of a mention or DM as a platform admin when users.info says so', async () => {
    await sendSlackEvent(url, appMention({ user: ADMIN, text: `${BOT} persona Be terse.` }), signed);
    await sendSlackEvent(url, directMessage({ user: OWNER, text: 'hello' }), signed);
    await sendSlackEvent(url, appMention({ text: `${BOT} persona Be chatty.` }), signed);
    const authors = Object.fromEntries(sink.turns.map((turn) => [turn.author.id, turn.author]));
    expect(authors).toEqual({
      [ADMIN]: { id: ADMIN, name: 'Ada', isPlatformAdmin: true },
      [OWNER]: { id: OWNER, name: 'otto', isPlatformAdmin: true },
      [FIXTURE.user]: { id: FIXTURE.user, name: 'Alice', isPlatformAdmin: false },
    });
  });

  it('asks users.info once per person for both the name and the role, then uses the cache', async () => {
    const id = 'U0ADMIN2';
    api.users.set(id, { id, name: 'bea', is_admin: true });
    const lookups = () => api.callsTo('users.info').filter((call) => call.body.user === id).length;
    await sendSlackEvent(url, appMention({ user: id, text: `${BOT} usage` }), signed);
    await sendSlackEvent(url, appMention({ user: id, text: `${BOT} usage again` }), signed);
    expect(sink.turns.map((turn) => turn.author.isPlatformAdmin)).toEqual([true, true]);
    expect(lookups()).toBe(1);
  });

  it('marks the invoker of a slash command, /reset included', async () => {
    const byAdmin = await sendSlashCommand(
      url,
      slashCommand('/forget', 'confirm', { user_id: ADMIN, user_name: 'ada' }),
      signed,
    );
    expect(byAdmin.status).toBe(200);
    await sendSlashCommand(url, slashCommand('/persona', 'Be kind.'), signed);
    await sendSlashCommand(url, slashReset({ user_id: OWNER, user_name: 'otto' }), signed);
    expect(sink.turns.map((turn) => [turn.kind, turn.author.id, turn.author.isPlatformAdmin])).toEqual([
      ['command', ADMIN, true],
      ['command', FIXTURE.user, false],
      ['reset', OWNER, true],
    ]);
  });

  it('counts someone Slack cannot tell about (users.info failing) as not an admin', async () => {
    api.failNext('users.info', 1, { ok: false, error: 'user_not_found' });
    await sendSlackEvent(url, appMention({ user: 'U0GHOST', text: `${BOT} persona x` }), signed);
    expect(sink.turns[0]?.author).toEqual({ id: 'U0GHOST', name: 'U0GHOST', isPlatformAdmin: false });
  });
});
