import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { waitFor } from '../helpers/wait-for.ts';
import type { FakeSlackApi } from './fake-slack-api.ts';

/** An acknowledgement the app sent for an envelope. */
export interface RecordedAck {
  /** The envelope it acknowledges. */
  envelope_id: string;
  /** Response payload (slash command answers carry text here). */
  payload: unknown;
  /** When it arrived, ms since epoch. */
  at: number;
}

/** An envelope the fake sent. */
export interface SentEnvelope {
  envelope_id: string;
  type: 'events_api' | 'slash_commands' | 'interactive';
  payload: unknown;
  retry_attempt: number;
}

/** A running fake Socket Mode endpoint. */
export interface FakeSlackSocketMode {
  /** WebSocket URL handed out by `apps.connections.open`. */
  url: string;
  /** Acks received, in order. */
  acks: RecordedAck[];
  /** Envelopes sent, in order. */
  sent: SentEnvelope[];
  /** Resolves when an app is connected (and has been sent `hello`). */
  connected(timeoutMs?: number): Promise<void>;
  /** Sends an envelope to the connected app; returns its envelope id. */
  send(type: SentEnvelope['type'], payload: unknown, options?: { envelopeId?: string }): string;
  /** Sends an envelope again, as Slack does when no ack came in time (`retry_attempt` + 1). */
  redeliver(envelopeId: string): void;
  /** Resolves with the ack of an envelope once it arrives. */
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<RecordedAck>;
  /** Closes the socket server (and the app's connection). */
  close(): Promise<void>;
}

/**
 * Slack's Socket Mode on 127.0.0.1: `apps.connections.open` on the fake Web API returns this server's URL;
 * on connect it sends `hello`, then whatever envelopes a test pushes, and records the app's acks.
 */
export async function startFakeSlackSocketMode(api: FakeSlackApi): Promise<FakeSlackSocketMode> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const url = `ws://127.0.0.1:${port}/link/?ticket=fake`;
  api.socketModeUrl = url;

  const acks: RecordedAck[] = [];
  const sent: SentEnvelope[] = [];
  let socket: WebSocket | undefined;
  const connectedWaiters: Array<() => void> = [];

  server.on('connection', (connection) => {
    socket = connection;
    connection.on('message', (data) => {
      try {
        const message = JSON.parse(String(data)) as { envelope_id?: unknown; payload?: unknown };
        if (typeof message.envelope_id === 'string') {
          acks.push({ envelope_id: message.envelope_id, payload: message.payload, at: Date.now() });
        }
      } catch {
        // not JSON: not an ack
      }
    });
    connection.on('close', () => {
      if (socket === connection) socket = undefined;
    });
    connection.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-socket-mode', approximate_connection_time: 18060 },
        connection_info: { app_id: 'AFAKE' },
      }),
    );
    for (const resolve of connectedWaiters.splice(0)) resolve();
  });

  const transmit = (envelope: SentEnvelope) => {
    if (!socket) throw new Error('fake Socket Mode: no app is connected');
    socket.send(
      JSON.stringify({
        envelope_id: envelope.envelope_id,
        type: envelope.type,
        payload: envelope.payload,
        accepts_response_payload: envelope.type !== 'events_api',
        retry_attempt: envelope.retry_attempt,
        retry_reason: envelope.retry_attempt > 0 ? 'timeout' : '',
      }),
    );
  };

  const poll = async (check: () => boolean, timeoutMs: number, what: string) => {
    await waitFor(`fake Socket Mode: ${what}`, check, { timeoutMs, intervalMs: 10 });
  };

  return {
    url,
    acks,
    sent,
    connected: (timeoutMs = 10_000) => poll(() => socket !== undefined, timeoutMs, 'a connection'),
    send(type, payload, options = {}) {
      const envelope: SentEnvelope = {
        envelope_id: options.envelopeId ?? randomUUID(),
        type,
        payload,
        retry_attempt: 0,
      };
      sent.push(envelope);
      transmit(envelope);
      return envelope.envelope_id;
    },
    redeliver(envelopeId) {
      const previous = [...sent].reverse().find((envelope) => envelope.envelope_id === envelopeId);
      if (!previous) throw new Error(`fake Socket Mode: unknown envelope ${envelopeId}`);
      const again = { ...previous, retry_attempt: previous.retry_attempt + 1 };
      sent.push(again);
      transmit(again);
    },
    async waitForAck(envelopeId, timeoutMs = 10_000) {
      await poll(
        () => acks.some((ack) => ack.envelope_id === envelopeId),
        timeoutMs,
        `an ack of ${envelopeId}`,
      );
      return acks.find((ack) => ack.envelope_id === envelopeId)!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
