import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlatformIngress } from '../../../src/turn/platform-ingress.ts';
import type { Turn } from '../../../src/turn/turn.ts';
import type { FakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { type FakeSlackSocketMode, startFakeSlackSocketMode } from '../../fakes/fake-slack-socket-mode.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';
import { sendSlackEvent } from '../../fakes/slack-signing.ts';
import { appMention, directMessage, FIXTURE } from '../../fixtures/slack/events.ts';
import { type CapturedLogs, captureLogs } from '../../helpers/captured-logs.ts';
import { startFixtureSlackApi } from '../../helpers/fixture-slack-api.ts';
import { type ServedRoutes, serveRoutes } from '../../helpers/serve-routes.ts';
import { createTestSlackIngress } from '../../helpers/test-slack-ingress.ts';
import { waitFor } from '../../helpers/wait-for.ts';

// Slack counts an event as delivered once it is acknowledged (HTTP 2xx, or the Socket Mode ack), and only
// then stops redelivering it: Parley acknowledges an event only once its turn is in the queue.

const SECRET = 'durable-ack-signing-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;
/** Short, so that a hanging queue is given up on quickly; the in-memory sink answers in microseconds. */
const ENQUEUE_TIMEOUT_MS = 1_000;

let api: FakeSlackApi;
let socketServer: FakeSlackSocketMode;
let logs: CapturedLogs;
let http: { sink: RecordingSink; ingress: PlatformIngress; server: ServedRoutes; url: string };
let socket: { sink: RecordingSink; ingress: PlatformIngress };

function ingressFor(sink: RecordingSink, mode: 'http' | 'socket'): PlatformIngress {
  return createTestSlackIngress({
    apiUrl: api.url,
    config: mode === 'http' ? { signingSecret: SECRET } : { appToken: 'xapp-test' },
    sink,
    logger: logs.logger('debug'),
    eventEnqueueTimeoutMs: ENQUEUE_TIMEOUT_MS,
  });
}

beforeAll(async () => {
  logs = captureLogs();
  api = await startFixtureSlackApi();
  socketServer = await startFakeSlackSocketMode(api);
  const httpSink = createRecordingSink();
  const httpIngress = ingressFor(httpSink, 'http');
  const server = await serveRoutes(httpIngress.routes);
  http = { sink: httpSink, ingress: httpIngress, server, url: `${server.url}/slack/events` };
  const socketSink = createRecordingSink();
  socket = { sink: socketSink, ingress: ingressFor(socketSink, 'socket') };
  await Promise.all([http.ingress.start(), socket.ingress.start()]);
  await socketServer.connected();
});

afterAll(async () => {
  await http?.ingress.stop();
  await socket?.ingress.stop();
  await http?.server.close();
  await socketServer?.close();
  await api?.close();
});

beforeEach(() => {
  for (const sink of [http.sink, socket.sink]) {
    sink.turns.length = 0;
    sink.beforeEnqueue = undefined;
  }
});

/** A promise with its resolve and reject at hand. */
function deferred() {
  let resolve: () => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** Turns of the message `ts` that the sink accepted. */
const turnsOf = (sink: RecordingSink, ts: unknown): Turn[] =>
  sink.turns.filter((turn) => turn.id === `${FIXTURE.channel}:${ts}` || turn.id === `${FIXTURE.dm}:${ts}`);

describe('Slack over HTTP: the 200 means "in the queue"', () => {
  it('answers only once the turn is in the queue', async () => {
    http.sink.beforeEnqueue = () => new Promise((resolve) => setTimeout(resolve, 200));
    const event = appMention({ text: `${BOT} acknowledged after queueing` });
    const response = await sendSlackEvent(http.url, event, signed);
    expect(response.status).toBe(200);
    // No waiting: by the time Slack has its answer the turn is already queued.
    expect(turnsOf(http.sink, event.event.ts)).toHaveLength(1);
  });

  it('refuses an event whose enqueue failed (non-2xx); Slack’s retry is queued exactly once', async () => {
    http.sink.failNext();
    const event = appMention({ text: `${BOT} try again` });
    const refused = await sendSlackEvent(http.url, event, signed);
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(turnsOf(http.sink, event.event.ts)).toHaveLength(0);

    const retry = await sendSlackEvent(http.url, event, { ...signed, retryNum: 1 });
    expect(retry.status).toBe(200);
    // A later retry (Slack had not seen the 200 in time) is dropped as a duplicate, and still answered 200.
    const again = await sendSlackEvent(http.url, event, { ...signed, retryNum: 2 });
    expect(again.status).toBe(200);
    expect(turnsOf(http.sink, event.event.ts).map((turn) => turn.text)).toEqual(['try again']);
  });

  it('gives up on a queue that does not answer, refuses the event, and queues the retry', async () => {
    const hung = deferred();
    http.sink.beforeEnqueue = () => {
      http.sink.beforeEnqueue = undefined;
      return hung.promise;
    };
    const event = directMessage({ text: 'the queue hangs' });
    const refused = await sendSlackEvent(http.url, event, signed);
    expect(refused.status).toBe(503);
    const refusal = logs.entries().find((entry) => entry.eventId === event.event_id && entry.level === 50);
    expect(refusal).toMatchObject({
      msg: expect.stringMatching(/could not enqueue/),
      reason: expect.stringMatching(/did not answer within/),
    });

    const retry = await sendSlackEvent(http.url, event, { ...signed, retryNum: 1 });
    expect(retry.status).toBe(200);
    expect(turnsOf(http.sink, event.event.ts)).toHaveLength(1);
    hung.reject(new Error('gave up long ago'));
  });

  it('holds a retry that arrives while the first delivery is being queued, and lets it take over', async () => {
    const slow = deferred();
    let calls = 0;
    http.sink.beforeEnqueue = () => {
      calls += 1;
      return calls === 1 ? slow.promise : Promise.resolve();
    };
    const event = appMention({ text: `${BOT} slow queue` });
    const first = sendSlackEvent(http.url, event, signed);
    await waitFor('the first enqueue to start', () => calls === 1);
    const retry = sendSlackEvent(http.url, event, { ...signed, retryNum: 1 });
    slow.reject(new Error('queue unavailable'));
    expect((await first).status).toBe(503);
    expect((await retry).status).toBe(200);
    expect(turnsOf(http.sink, event.event.ts)).toHaveLength(1);
  });

  it('acknowledges events it ignores on purpose, and their retries', async () => {
    const own = directMessage({ user: FIXTURE.botUserId, text: 'my own reply' });
    expect((await sendSlackEvent(http.url, own, signed)).status).toBe(200);
    expect((await sendSlackEvent(http.url, own, { ...signed, retryNum: 1 })).status).toBe(200);
    expect(http.sink.turns).toHaveLength(0);
  });
});

describe('Slack over Socket Mode: the envelope is acked once the turn is in the queue', () => {
  it('acks only after the turn is in the queue', async () => {
    socket.sink.beforeEnqueue = () => new Promise((resolve) => setTimeout(resolve, 200));
    const event = appMention({ text: `${BOT} acked after queueing` });
    const envelopeId = socketServer.send('events_api', event);
    await socketServer.waitForAck(envelopeId);
    expect(turnsOf(socket.sink, event.event.ts)).toHaveLength(1);
  });

  it('leaves an envelope whose enqueue failed unacked; the redelivery is acked and queued once', async () => {
    socket.sink.failNext();
    const event = directMessage({ text: 'over the socket, again' });
    const envelopeId = socketServer.send('events_api', event);
    await waitFor('the envelope to be refused', () =>
      logs.entries().some((entry) => String(entry.msg).startsWith('not acknowledging a Slack envelope')),
    );
    expect(socketServer.acks.filter((ack) => ack.envelope_id === envelopeId)).toHaveLength(0);

    socketServer.redeliver(envelopeId);
    await socketServer.waitForAck(envelopeId);
    socketServer.redeliver(envelopeId);
    await waitFor(
      'the second ack',
      () => socketServer.acks.filter((a) => a.envelope_id === envelopeId).length === 2,
    );
    expect(turnsOf(socket.sink, event.event.ts).map((turn) => turn.text)).toEqual(['over the socket, again']);
  });
});
