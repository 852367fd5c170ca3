import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

/** What a client sent in IDENTIFY (op 2). */
export interface IdentifyPayload {
  token: string;
  intents: number;
  properties: Record<string, unknown>;
  shard?: [number, number];
  compress?: boolean;
}

/** One connected gateway client. */
interface Connection {
  socket: WebSocket;
  sequence: number;
  identified: boolean;
  query: URLSearchParams;
}

/** Options of the fake gateway. */
export interface FakeGatewayOptions {
  /** Token IDENTIFY must carry; anything else is closed with 4004 (authentication failed). */
  token: string;
  /** Heartbeat interval announced in HELLO. */
  heartbeatIntervalMs: number;
  /** READY's `d` for an identified client (user, application, unavailable guilds…). */
  ready: (sessionId: string) => Record<string, unknown>;
  /** Dispatches sent right after READY (GUILD_CREATE for each guild). */
  afterReady: () => Array<{ t: string; d: unknown }>;
}

/**
 * The Discord gateway (API v10, `encoding=json`, no compression) on an existing HTTP server at `/gateway`:
 * HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats acknowledged, dispatches with increasing `s`.
 */
export function attachFakeGateway(server: Server, options: FakeGatewayOptions) {
  const wss = new WebSocketServer({ server, path: '/gateway' });
  const connections = new Set<Connection>();
  const identifies: IdentifyPayload[] = [];
  const identifyWaiters: Array<(payload: IdentifyPayload) => void> = [];

  const send = (connection: Connection, payload: Record<string, unknown>) => {
    if (connection.socket.readyState === connection.socket.OPEN)
      connection.socket.send(JSON.stringify(payload));
  };

  const dispatchTo = (connection: Connection, t: string, d: unknown) => {
    connection.sequence += 1;
    send(connection, { op: 0, t, s: connection.sequence, d });
  };

  wss.on('connection', (socket, request) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const connection: Connection = { socket, sequence: 0, identified: false, query };
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
    socket.on('message', (raw) => {
      let payload: { op: number; d: unknown };
      try {
        payload = JSON.parse(String(raw));
      } catch {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      switch (payload.op) {
        case 1: // heartbeat
          send(connection, { op: 11, d: null });
          break;
        case 2: {
          // identify
          const identify = payload.d as IdentifyPayload;
          if (connection.identified) {
            socket.close(4005, 'Already authenticated.');
            return;
          }
          if (identify.token !== options.token) {
            socket.close(4004, 'Authentication failed.');
            return;
          }
          connection.identified = true;
          identifies.push(identify);
          for (const waiter of identifyWaiters.splice(0)) waiter(identify);
          dispatchTo(connection, 'READY', options.ready(randomUUID().replaceAll('-', '')));
          for (const event of options.afterReady()) dispatchTo(connection, event.t, event.d);
          break;
        }
        case 6: // resume: sessions are not kept, so ask for a fresh identify
          send(connection, { op: 9, d: false });
          break;
        default:
          break;
      }
    });
    send(connection, { op: 10, d: { heartbeat_interval: options.heartbeatIntervalMs } });
  });

  return {
    /** IDENTIFY payloads received so far. */
    identifies,
    /** Query of each current connection (`v`, `encoding`, `compress`). */
    connectionQueries: () => [...connections].map((connection) => connection.query),
    /** Resolves with the first IDENTIFY (at once if one was already received). */
    waitForIdentify(): Promise<IdentifyPayload> {
      const first = identifies[0];
      if (first) return Promise.resolve(first);
      return new Promise((resolve) => identifyWaiters.push(resolve));
    },
    /** Sends a dispatch to every identified client; resolves with how many received it. */
    dispatch(t: string, d: unknown): number {
      let count = 0;
      for (const connection of connections) {
        if (!connection.identified) continue;
        dispatchTo(connection, t, d);
        count += 1;
      }
      return count;
    },
    /** Closes every connection and the server side of the gateway. */
    async close(): Promise<void> {
      for (const connection of connections) connection.socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The gateway half of the fake, as returned by `attachFakeGateway`. */
export type FakeGateway = ReturnType<typeof attachFakeGateway>;
