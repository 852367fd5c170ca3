import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { type FakeSlackSocketMode, startFakeSlackSocketMode } from '../fakes/fake-slack-socket-mode.ts';
import { sendSlackEvent, sendSlashCommand } from '../fakes/slack-signing.ts';
import { appMention, directMessage, FIXTURE, nextTs, slashCommand } from '../fixtures/slack/events.ts';
import { captureLogs } from '../helpers/captured-logs.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Distinctive values (letters and digits only, so no encoding can disguise them in a log line).
const SECRETS = {
  OPENAI_API_KEY: 'sk-proj-OPENAIKEYq7Zk2Lw9Xv4Tn8Ry3Bm6',
  SLACK_BOT_TOKEN: 'xoxb-BOTTOKEN5550192-8Hq2Wd7Ke1Yp4Zs9',
  SLACK_SIGNING_SECRET: 'SIGNINGSECRETc4e8a1f09b7d3e52aa61',
  SLACK_APP_TOKEN: 'xapp-1-APPTOKENA05R-3Jk8Mn2Qp6Vt1Wx5',
  DISCORD_TOKEN: 'DISCORDTOKENMTE4Nzk2.GhT3xZ.q8Wm2Lk5Vn7Rp1Ys4',
  REDIS_PASSWORD: 'REDISPASSWORDu3Ff8Gh1Jk6Lm0',
};
/** What a person wrote: it may appear at debug and trace, never at info or above. */
const USER_TEXT = 'PLUMPUDDINGwibbleQUARTZ';
const BOT = `<@${FIXTURE.botUserId}>`;

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let discord: FakeDiscord;
const logs = captureLogs();
const { lines } = logs;
/** Short-lived credentials handed out during the run: Discord interaction tokens, Slack response_url paths. */
const capabilities: string[] = [];

const levelOf = (line: string) => (JSON.parse(line) as { level: number }).level;

function startWith(env: Record<string, string>): Promise<RunningParley> {
  return startTestParley(
    {
      OPENAI_API_KEY: SECRETS.OPENAI_API_KEY,
      OPENAI_BASE_URL: model.url,
      REDIS_URL: `redis://:${SECRETS.REDIS_PASSWORD}@127.0.0.1:${redis.port}`,
      SLACK_BOT_TOKEN: SECRETS.SLACK_BOT_TOKEN,
      SLACK_API_URL: api.url,
      // Fail fast: one retry of a failing model call.
      MODEL_MAX_RETRIES: '0',
      TURN_MAX_ATTEMPTS: '2',
      LOG_LEVEL: 'trace',
      ...env,
    },
    logs.logger('trace'),
  );
}

beforeAll(async () => {
  [model, redis, api, discord] = await Promise.all([
    // Chunks a few ms apart, so answers stream (a first post, then edits): each failure below has a write to hit.
    startFakeOpenAI({ chunkDelayMs: 5 }),
    startTestRedis(),
    startFixtureSlackApi(),
    startFakeDiscord({ token: SECRETS.DISCORD_TOKEN }),
  ]);
  // The test Redis takes no password options at spawn; requiring one at runtime is the same to a client.
  const admin = redis.client();
  await admin.config('SET', 'requirepass', SECRETS.REDIS_PASSWORD);
  admin.disconnect();
});

afterAll(async () => {
  await Promise.all([model?.close(), redis?.close(), api?.close(), discord?.close()]);
});

describe('secrets never reach the logs, even at trace level', () => {
  describe('Slack over HTTP and Discord, with failures of every kind', () => {
    let parley: RunningParley;
    let url: string;

    beforeAll(async () => {
      parley = await startWith({
        SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET,
        DISCORD_TOKEN: SECRETS.DISCORD_TOKEN,
        DISCORD_API_URL: discord.apiUrl,
      });
      url = slackEventsUrl(parley);
    });

    afterAll(async () => {
      await parley?.stop({ timeoutMs: 5_000 });
    });

    const settle = () => queueDrained(parley);
    const signed = { signingSecret: SECRETS.SLACK_SIGNING_SECRET };

    /** Mentions the bot in a new thread and waits until the turn is settled; returns the reply texts. */
    async function slackMention(text: string): Promise<string[]> {
      const ts = nextTs();
      expect((await sendSlackEvent(url, appMention({ ts, text: `${BOT} ${text}` }), signed)).status).toBe(
        200,
      );
      await waitFor('a reply', () => api.messagesIn(FIXTURE.channel, ts).length > 0);
      await settle();
      return api.messagesIn(FIXTURE.channel, ts).map((message) => message.text);
    }

    it('runs exchanges and failures on both platforms', async () => {
      // Plain exchanges.
      expect((await slackMention(`hello ${USER_TEXT}`)).join()).toContain(USER_TEXT);
      const dm = directMessage({ text: `a DM saying ${USER_TEXT}` });
      await sendSlackEvent(url, dm, signed);
      await waitFor('the DM reply', () =>
        api.messagesIn(FIXTURE.dm).some((message) => message.text.includes(USER_TEXT)),
      );
      const sent = discord.sendMessageCreate({ dm: true, content: `discord DM ${USER_TEXT}` });
      await waitFor('the Discord reply', () => discord.messagesIn(sent.channel_id).length > 0);
      await settle();

      // The model refuses the key.
      model.failNext(1, { status: 401, message: `Incorrect API key provided: ${SECRETS.OPENAI_API_KEY}.` });
      expect((await slackMention(`401 please ${USER_TEXT}`)).join()).toMatch(/rejected the API key/);

      // Slack's Web API fails: the native stream is refused (the reply falls back to post-and-edit), an error
      // answer, then HTTP 500s (the turn is retried and goes through).
      api.failNext('chat.startStream', 1, { ok: false, error: 'invalid_auth' });
      api.failNext('chat.postMessage', 1, { ok: false, error: 'invalid_auth' });
      api.failNext('chat.update', 2, { status: 500 });
      api.failNext('users.info', 1, { ok: false, error: 'user_not_found' });
      await slackMention(`slack failing ${USER_TEXT}`);

      // A signature made with the wrong secret, and one made with the right one for another body.
      const forged = await sendSlackEvent(url, appMention({ text: `${BOT} forged` }), {
        signingSecret: 'wrong',
      });
      expect(forged.status).toBe(401);

      // A slash command whose response_url fails.
      api.failNext('response_url', 3, { status: 500 });
      const responseUrl = api.responseUrl();
      capabilities.push(new URL(responseUrl).pathname);
      await sendSlashCommand(url, slashCommand('/usage', '', { response_url: responseUrl }), signed);
      await settle();

      // Discord's REST API fails with 500s while the reply is posted (retried by the client, then the turn).
      discord.failNext('POST /channels/:channel/messages', 4, { status: 500 });
      const failing = discord.sendMessageCreate({ dm: true, content: `discord failing ${USER_TEXT}` });
      await waitFor('the Discord reply after the failures', () =>
        discord.messagesIn(failing.channel_id).some((message) => message.content.includes('discord failing')),
      );
      await settle();

      // A Discord command whose answer cannot be delivered through the interaction webhook.
      discord.failNext('PATCH /webhooks/:app/:token/messages/@original', 8, { status: 500 });
      capabilities.push(discord.sendInteraction({ name: 'usage' }).token);
      await waitFor('the failed command to be settled', () =>
        lines.some((line) => line.includes('"msg":"command done"') && line.includes('"sessionId":"discord:')),
      );
      await settle();

      // Redis goes away and comes back (connections re-authenticate with the password).
      await redis.stop({ hard: true });
      await waitFor('the lost connection to be logged', () =>
        lines.some((line) => line.includes('Redis connection lost')),
      );
      await redis.restart();
      const admin = redis.client();
      await admin.config('SET', 'requirepass', SECRETS.REDIS_PASSWORD);
      admin.disconnect();
      await waitFor('Redis to be back', async () => (await parley.health()).ok);
      expect((await slackMention(`after the outage ${USER_TEXT}`)).join()).toContain('after the outage');
    });
  });

  describe('Slack over Socket Mode', () => {
    let parley: RunningParley;
    let socket: FakeSlackSocketMode;

    beforeAll(async () => {
      socket = await startFakeSlackSocketMode(api);
      parley = await startWith({ SLACK_APP_TOKEN: SECRETS.SLACK_APP_TOKEN });
      await socket.connected();
    });

    afterAll(async () => {
      await parley?.stop({ timeoutMs: 5_000 });
      await socket?.close();
    });

    it('answers a mention delivered over the socket', async () => {
      const ts = nextTs();
      const envelopeId = socket.send('events_api', appMention({ ts, text: `${BOT} socket ${USER_TEXT}` }));
      await socket.waitForAck(envelopeId);
      await waitFor('the reply', () =>
        api.messagesIn(FIXTURE.channel, ts).some((message) => message.text.includes(USER_TEXT)),
      );
      expect(api.callsTo('apps.connections.open').at(-1)?.token).toBe(SECRETS.SLACK_APP_TOKEN);
    });
  });

  describe('the captured logs', () => {
    it('were written at trace level, from every part', () => {
      expect(lines.length).toBeGreaterThan(100);
      const levels = new Set(lines.map(levelOf));
      // Trace is enabled; no component happens to log at trace itself, so debug is the lowest level seen. The
      // failures below are all ones the product recovers from, so they are warnings, not errors.
      for (const level of [20, 30, 40]) expect(levels).toContain(level);
      // The failures above were logged (so the secrets had every chance to appear).
      const all = lines.join('\n');
      for (const message of [
        'model call failed',
        'Slack refused to stream natively',
        'Slack chat.postMessage failed',
        'Slack response_url answered HTTP 500',
        'answering a command failed',
        'HTTP 500',
        'Redis connection lost',
        'http request',
      ])
        expect(all).toContain(message);
      // Message bodies do appear at debug/trace (e.g. the Web API client's request bodies): the search below is not vacuous.
      expect(lines.some((line) => levelOf(line) < 30 && line.includes(USER_TEXT))).toBe(true);
    });

    it.each(Object.entries(SECRETS))('contain no %s', (_name, secret) => {
      const leaks = lines.filter((line) => line.includes(secret));
      expect(leaks.map((line) => line.slice(0, 400))).toEqual([]);
      // Nor a recognisable piece of it.
      const middle = secret.slice(Math.floor(secret.length / 3), Math.floor((2 * secret.length) / 3));
      expect(lines.filter((line) => line.includes(middle)).map((line) => line.slice(0, 400))).toEqual([]);
    });

    it('contain no Discord interaction token or Slack response_url', () => {
      expect(capabilities.length).toBe(2);
      for (const capability of capabilities) {
        expect(lines.filter((line) => line.includes(capability)).map((line) => line.slice(0, 400))).toEqual(
          [],
        );
      }
    });

    it('contain no message body at info level or above', () => {
      const leaks = lines.filter((line) => levelOf(line) >= 30 && line.includes(USER_TEXT));
      expect(leaks.map((line) => line.slice(0, 600))).toEqual([]);
    });
  });
});
