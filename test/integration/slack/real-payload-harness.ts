import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { FollowedConversations } from '../../../src/turn/platform-ingress.ts';
import type { Turn } from '../../../src/turn/turn.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';
import { type SlackHttpResponse, sendSigned, sendSlackEvent } from '../../fakes/slack-signing.ts';
import { type CapturedLogs, captureLogs } from '../../helpers/captured-logs.ts';
import { createTestSlackIngress, serveSlackIngress } from '../../helpers/test-slack-ingress.ts';

// The recorded Slack payloads of the shared folder (read in place, never copied; see its SOURCES.md), sent
// through the real Bolt app over signed HTTP, as Slack sends them.

const FOLDER = new URL('../../../../shared/fixtures/real-payloads/slack/', import.meta.url);

/** Every Slack payload file of the shared folder. */
export const PAYLOAD_FILES: readonly string[] = readdirSync(FOLDER).filter((name) => name.endsWith('.json'));

/** The ids the recordings give their bots (SOURCES.md), each swapped for the fake's `UBOT`. */
const RECORDED_BOT_USERS = [
  'U00FAKEBOT01',
  'U0442US8QGH',
  'U0A9G5N5URZ',
  'U0B2H7P8VTX',
  'U0ADXR1N57A',
  'U05R8PST0H5',
];

/** A stored payload (JSON, or the raw form body of a slash command), its bot ids swapped and `swaps` applied. */
export function loadPayload<T = Record<string, unknown>>(
  name: string,
  swaps: Record<string, string> = {},
): T {
  const stored = JSON.parse(readFileSync(new URL(name, FOLDER), 'utf8')) as { payload: unknown };
  let text = JSON.stringify(stored.payload);
  for (const id of RECORDED_BOT_USERS) text = text.replaceAll(id, 'UBOT');
  for (const [from, to] of Object.entries(swaps)) text = text.replaceAll(from, to);
  return JSON.parse(text) as T;
}

/** An envelope and its inner event, loosely typed, as the tests adapt them. */
export type Envelope = { event_id?: string; team_id?: string; event: Record<string, unknown> } & Record<
  string,
  unknown
>;

/** A later copy of a recorded message: `ts`/`event_ts` moved by `seconds`, a new event id, `changes` on top. */
export function laterCopy(
  envelope: Envelope,
  seconds: number,
  changes: Record<string, unknown> = {},
): Envelope {
  const [whole, micros] = String(envelope.event.ts).split('.');
  const ts = `${Number(whole) + seconds}.${micros}`;
  return {
    ...envelope,
    event_id: `${envelope.event_id ?? 'Ev'}L${seconds}`,
    event: { ...envelope.event, ts, event_ts: ts, client_msg_id: `later-${seconds}`, ...changes },
  };
}

/** Parley's Slack ingress on a fake Web API, with every turn and debug log line recorded. */
export interface RealPayloadHarness {
  api: FakeSlackApi;
  sink: RecordingSink;
  logs: CapturedLogs;
  /** Threads followed so far (a memory stand-in for the history store). */
  followedThreads: Set<string>;
  url: string;
  /** Sends an Events API payload signed; Slack's ack comes once its turn is queued or it is ignored. */
  send(payload: unknown, retryNum?: number): Promise<SlackHttpResponse>;
  /** Sends a raw form body signed (a slash command). */
  sendForm(body: string): Promise<SlackHttpResponse>;
  /** Sends a payload that must become exactly one turn with id `turnId`; returns it. */
  expectTurn(payload: Envelope, turnId: string): Promise<Turn>;
  /**
   * Sends a payload that must make no turn, and returns why Parley ignored it (the logged reason); undefined when
   * it never reached Parley's listeners (Bolt's own filters, or no listener for its type).
   */
  expectIgnored(payload: Envelope): Promise<string | undefined>;
  close(): Promise<void>;
}

export const SECRET = 'real-payloads-secret';

/** The bot token of the harness's ingress (the fake serves files and `files.info` only with it). */
export const BOT_TOKEN = 'xoxb-real-payloads';

export async function startRealPayloadHarness(): Promise<RealPayloadHarness> {
  const api = await startFakeSlackApi({ botToken: BOT_TOKEN });
  const sink = createRecordingSink();
  const logs = captureLogs();
  const followedThreads = new Set<string>();
  const followed: FollowedConversations = {
    follow: async (sessionId) => void followedThreads.add(sessionId),
    isFollowed: async (sessionId) => followedThreads.has(sessionId),
  };
  const ingress = await serveSlackIngress(
    createTestSlackIngress({
      apiUrl: api.url,
      config: { botToken: BOT_TOKEN, signingSecret: SECRET, followUps: 'thread' },
      sink,
      followed,
      logger: logs.logger('debug'),
    }),
  );
  const { url } = ingress;

  const send = (payload: unknown, retryNum?: number) =>
    sendSlackEvent(url, payload, { signingSecret: SECRET, retryNum });
  const ignoredReason = (eventId: string, fromLine: number) =>
    logs
      .entries()
      .slice(fromLine)
      .find(
        (entry) => entry.eventId === eventId && entry.msg === 'event ignored' && entry.reason !== undefined,
      )?.reason as string | undefined;
  return {
    api,
    sink,
    logs,
    followedThreads,
    url,
    send,
    sendForm: (body) => sendSigned(url, body, 'application/x-www-form-urlencoded', { signingSecret: SECRET }),
    async expectTurn(payload, turnId) {
      const before = sink.turns.length;
      expect((await send(payload)).status).toBe(200);
      // Acknowledged only once queued: the turn is there already.
      const added = sink.turns.slice(before);
      expect(added.map((turn) => turn.id)).toEqual([turnId]);
      return added[0]!;
    },
    async expectIgnored(payload) {
      const before = sink.turns.length;
      const fromLine = logs.entries().length;
      expect((await send(payload)).status).toBe(200);
      expect(sink.turns.slice(before)).toEqual([]);
      // Logged before the acknowledgement, so already there.
      return ignoredReason(payload.event_id!, fromLine);
    },
    async close() {
      await ingress.stop();
      await api.close();
    },
  };
}
