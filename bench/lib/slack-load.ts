import { performance } from 'node:perf_hooks';
import type { FakeSlackApi } from '../../test/fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../../test/fakes/slack-signing.ts';
import { appMention, FIXTURE } from '../../test/fixtures/slack/events.ts';
import { openLoop } from '../child/open-loop.ts';
import { SHORT_TEXT } from './bench-turns.ts';
import type { SlackAnswers } from './slack-answers.ts';

/** One mention the bench sent. */
export interface Mention {
  /** Its turn id (`#t<id>` in the text). */
  turnId: number;
  /** Its Slack `ts` (a thread's first mention's ts is the thread's `thread_ts`). */
  ts: string;
  /** When the request was sent, bench clock (epoch ms, sub-ms). */
  sentAt: number;
}

/** Where a mention is posted: a channel of a workspace. */
export interface Place {
  /** Channel id. */
  channel: string;
  /** Workspace (team) id. */
  team: string;
}

/** Sends signed `app_mention` events to one bot. */
export type SendMention = (place: Place, threadTs?: string) => Promise<Mention>;

// As Slack: three redeliveries of an event that was not acked.
const MAX_RETRIES = 3;
let retried = 0;

/** Redeliveries so far (events a bot answered with something other than 200), over the whole run. */
export function redeliveries(): number {
  return retried;
}

// Turn ids and ts stay unique over the whole run, so no bot or store ever sees one twice.
let counter = 0;
const baseSeconds = Math.floor(Date.now() / 1000);

/**
 * A sender of signed `app_mention` events (`<@bot> #t<id> …`) to `url`. Each mention is also stored as a
 * thread message on the fake, so `conversations.replies` returns the thread as Slack would.
 */
export function mentionSender(url: string, signingSecret: string, api: FakeSlackApi): SendMention {
  return async ({ channel, team }, threadTs) => {
    counter += 1;
    const turnId = counter;
    const ts = `${baseSeconds + Math.floor(counter / 1_000_000)}.${String(counter % 1_000_000).padStart(6, '0')}`;
    const text = `<@${FIXTURE.botUserId}> #t${turnId} ${SHORT_TEXT}`;
    const event: Record<string, unknown> = { text, channel, ts, user: FIXTURE.user, team };
    if (threadTs !== undefined) event.thread_ts = threadTs;
    const key = `${channel}:${threadTs ?? ts}`;
    const thread = api.threads.get(key) ?? [];
    thread.push({ ts, text, user: FIXTURE.user, thread_ts: threadTs ?? ts });
    api.threads.set(key, thread);
    const sentAt = performance.timeOrigin + performance.now();
    const payload = appMention(event, { event_id: `EvP${turnId}`, team_id: team });
    payload.authorizations = [{ team_id: team, user_id: FIXTURE.botUserId, is_bot: true }];
    // Slack redelivers an event its app did not ack with 2xx, with x-slack-retry-num (here after 1 s).
    for (let retryNum = 0; ; retryNum++) {
      const response = await sendSlackEvent(url, payload, { signingSecret, retryNum: retryNum || undefined });
      if (response.status === 200) break;
      if (retryNum === MAX_RETRIES) throw new Error(`the bot answered ${response.status}: ${response.body}`);
      retried += 1;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    return { turnId, ts, sentAt };
  };
}

/** `count` channel ids of the fake workspaces. */
export function channelIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `CP${String(i).padStart(7, '0')}`);
}

/**
 * Place `index` of a load: one of `channels`, in workspace `<kind><index % workspaces>`. Loads spread over
 * many workspaces because Parley keeps to Slack's per-workspace Tier-3 budget for `chat.update` (50 a
 * minute): in one workspace that budget, not the bot, would set the pace.
 */
export function placeOf(channels: readonly string[], kind: string, index: number, workspaces: number): Place {
  return { channel: channels[index % channels.length]!, team: `T${kind}${index % workspaces}` };
}

/** Mentions at `rate`/s, each starting a thread in one of `channels` of `workspaces` workspaces; resolves with them once all are acked. */
export async function steadyMentions(
  send: SendMention,
  channels: readonly string[],
  rate: number,
  count: number,
  workspaces = 200,
): Promise<Mention[]> {
  const sent: Mention[] = [];
  let failure: unknown;
  await openLoop(rate, count, async (i) => {
    // Caught here: openLoop starts calls before it awaits them, so a rejection would go unhandled.
    await send(placeOf(channels, 'S', i, workspaces)).then(
      (mention) => sent.push(mention),
      (error: unknown) => {
        failure ??= error;
      },
    );
  });
  if (failure) throw failure;
  return sent;
}

/** What a closed-loop conversation load saw. */
export interface ConversationRun {
  /** Every mention sent with when its answer completed (undefined: none within the timeout). */
  turns: Array<{ mention: Mention; answeredAt: number | undefined }>;
  /** From the first mention to the last answer, ms. */
  wallMs: number;
}

/**
 * `threads` conversations at once (each in a workspace of its own), each `mentions` long: a thread's first mention starts it, each next one is
 * sent in the thread once the answer to the previous one is visible (a person waiting for the bot).
 */
export async function conversations(
  send: SendMention,
  answers: SlackAnswers,
  channels: readonly string[],
  threads: number,
  mentions: number,
  timeoutMs: number,
): Promise<ConversationRun> {
  const turns: ConversationRun['turns'] = [];
  const started = performance.timeOrigin + performance.now();
  await Promise.all(
    Array.from({ length: threads }, async (_, index) => {
      const place = placeOf(channels, 'C', index, threads);
      let threadTs: string | undefined;
      for (let k = 0; k < mentions; k++) {
        const mention = await send(place, threadTs);
        threadTs ??= mention.ts;
        const answeredAt = await answers.whenComplete(mention.turnId, timeoutMs);
        turns.push({ mention, answeredAt });
      }
    }),
  );
  const answered = turns.flatMap((turn) => (turn.answeredAt === undefined ? [] : [turn.answeredAt]));
  return { turns, wallMs: Math.max(started, ...answered) - started };
}

/**
 * A burst: `threads` threads (each in a workspace of its own) get `perThread` mentions each as fast as the bot acks them (a thread's first
 * mention starts it, the rest follow in it). Resolves with how many mentions were sent.
 */
export async function burst(
  send: SendMention,
  channels: readonly string[],
  threads: number,
  perThread: number,
): Promise<number> {
  await Promise.all(
    Array.from({ length: threads }, async (_, index) => {
      const place = placeOf(channels, 'B', index, threads);
      const first = await send(place);
      for (let k = 1; k < perThread; k++) await send(place, first.ts);
    }),
  );
  return threads * perThread;
}
