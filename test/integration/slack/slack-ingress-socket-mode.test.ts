import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformIngress } from '../../../src/turn/platform-ingress.ts';
import type { FakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { type FakeSlackSocketMode, startFakeSlackSocketMode } from '../../fakes/fake-slack-socket-mode.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';
import { appMention, directMessage, FIXTURE, slashCommand, slashReset } from '../../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../../helpers/fixture-slack-api.ts';
import { createTestSlackIngress } from '../../helpers/test-slack-ingress.ts';

let api: FakeSlackApi;
let socket: FakeSlackSocketMode;
let sink: RecordingSink;
let ingress: PlatformIngress;

beforeAll(async () => {
  api = await startFixtureSlackApi();
  socket = await startFakeSlackSocketMode(api);
  sink = createRecordingSink();
  ingress = createTestSlackIngress({ apiUrl: api.url, config: { appToken: 'xapp-test' }, sink });
  await ingress.start();
});

afterAll(async () => {
  await ingress?.stop();
  await socket?.close();
  await api?.close();
});

describe('Slack ingress over Socket Mode (real Bolt, fake socket server)', () => {
  it('connects with the app token via apps.connections.open and serves no HTTP route', async () => {
    expect(ingress.routes).toEqual([]);
    await socket.connected();
    const open = api.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe('xapp-test');
  });

  it('turns a mention into a turn and acks the envelope', async () => {
    const event = appMention({ text: `<@${FIXTURE.botUserId}> over the socket` });
    const envelopeId = socket.send('events_api', event);
    await socket.waitForAck(envelopeId);
    const [turn] = await sink.waitForTurns(1);
    expect(turn).toMatchObject({
      id: `${FIXTURE.channel}:${event.event.ts}`,
      sessionId: `slack:${FIXTURE.team}:${FIXTURE.channel}:${event.event.ts}`,
      author: { id: FIXTURE.user, name: 'Alice' },
      text: 'over the socket',
    });
  });

  it('de-duplicates a redelivered envelope (retry_attempt 1)', async () => {
    const event = directMessage({ text: 'delivered twice' });
    const envelopeId = socket.send('events_api', event);
    await socket.waitForAck(envelopeId);
    socket.redeliver(envelopeId);
    await api.waitFor(() => socket.acks.filter((ack) => ack.envelope_id === envelopeId).length === 2);
    // The socket delivers in order and a dropped duplicate needs no API call, so once a later message is a
    // turn the redelivery has been handled.
    const later = socket.send('events_api', directMessage({ text: 'after' }));
    await socket.waitForAck(later);
    const turns = await sink.waitForTurns(3);
    expect(turns.filter((turn) => turn.text === 'delivered twice')).toHaveLength(1);
    expect(turns.map((turn) => turn.text)).toContain('after');
  });

  it('answers /reset in the ack payload, ephemerally', async () => {
    const before = sink.turns.length;
    const envelopeId = socket.send('slash_commands', slashReset());
    const ack = await socket.waitForAck(envelopeId);
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(sink.turns.slice(before)).toMatchObject([
      { kind: 'reset', sessionId: `slack:${FIXTURE.team}:${FIXTURE.channel}` },
    ]);
  });

  it('queues /persona as a command turn and acks the envelope without a message', async () => {
    const before = sink.turns.length;
    const responseUrl = api.responseUrl();
    const envelopeId = socket.send(
      'slash_commands',
      slashCommand('/persona', 'Speak like a pirate.', { response_url: responseUrl }),
    );
    const ack = await socket.waitForAck(envelopeId);
    expect(ack.payload ?? {}).toEqual({});
    expect(sink.turns.slice(before)).toMatchObject([
      {
        kind: 'command',
        command: { name: 'persona', args: 'Speak like a pirate.' },
        sessionId: `slack:${FIXTURE.team}:${FIXTURE.channel}`,
        scopeId: `slack:${FIXTURE.team}:${FIXTURE.channel}`,
        target: { invoker: { userId: FIXTURE.user, responseUrl } },
      },
    ]);
  });
});
