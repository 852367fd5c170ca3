import { performance } from 'node:perf_hooks';
import { type FakeSlackApi, startFakeSlackApi } from '../../test/fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../../test/fakes/slack-signing.ts';
import { directMessage, FIXTURE } from '../../test/fixtures/slack/events.ts';
import type { WorkerRunResult } from '../child/child-main.ts';
import { openLoop } from '../child/open-loop.ts';
import type { OverheadResult } from '../child/overhead.ts';
import { type BenchContext, createProducer, newChild, type Scenario } from '../lib/bench-context.ts';
import { SHORT_TEXT, turnIdIn } from '../lib/bench-turns.ts';
import { enqueueTurns, sessionIds } from '../lib/enqueue-turns.ts';
import { met, num, percent, type ResultRow, times } from '../lib/results-table.ts';
import { summarize } from '../lib/stats.ts';

const SECRET = 'bench-signing-secret';
const RATE = 100;
const CHANNELS = 100;
const IN_FLIGHT = 100;

/**
 * Watches the fake's calls as they arrive: when each turn's answer first became visible (the reply posts a
 * placeholder, then edits it with `chat.update`, so the first `chat.postMessage` or `chat.update` whose text
 * carries the turn id), and whether each DM's answers appeared in order.
 */
function watchReplies(api: FakeSlackApi) {
  const firstPost = new Map<number, number>();
  const lastIndex = new Map<string, number>();
  let orderViolations = 0;
  let waiter: { count: number; resolve: () => void } | undefined;
  const push = api.calls.push.bind(api.calls);
  api.calls.push = (...calls) => {
    const now = performance.now();
    for (const call of calls) {
      if (call.method !== 'chat.postMessage' && call.method !== 'chat.update') continue;
      const text = String(call.body.text ?? '');
      const turnId = turnIdIn(text);
      if (turnId === undefined || firstPost.has(turnId)) continue;
      firstPost.set(turnId, now);
      const channel = String(call.body.channel);
      const index = Number(/\bm(\d+)\b/.exec(text)?.[1]);
      if (index !== (lastIndex.get(channel) ?? -1) + 1) orderViolations++;
      lastIndex.set(channel, index);
    }
    if (waiter && firstPost.size >= waiter.count) {
      waiter.resolve();
      waiter = undefined;
    }
    // Keep memory flat over thousands of turns: the bench reads what it needs as calls arrive.
    if (api.calls.length > 1_000) api.calls.length = 0;
    return push(...calls);
  };
  return {
    firstPost,
    orderViolations: () => orderViolations,
    waitFor(count: number): Promise<void> {
      if (firstPost.size >= count) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = { count, resolve };
      });
    },
    /** Forgets timings and violations; each DM's last index stays, as its numbering goes on. */
    reset() {
      firstPost.clear();
      orderViolations = 0;
    },
  };
}

/**
 * 6 — the whole product through Slack: `startParley` (role `all`, Redis, the real SDK against the zero-latency
 * fake model) in the measured process; signed `message.im` events POSTed to `/slack/events` (Bolt verifies
 * them) from this process; replies land on the fake Slack Web API here. 100 DM channels = 100 sessions.
 * References: the same load enqueued straight into the queue with the in-process recording channel.
 */
export const slackScenario: Scenario = async (context: BenchContext) => {
  const turns = context.quick ? 1_000 : 3_000;
  const burst = context.quick ? 1_000 : 4_000;
  const api = await startFakeSlackApi({
    identity: { teamId: FIXTURE.team, userId: FIXTURE.botUserId, botId: FIXTURE.botId },
  });
  api.users.set(FIXTURE.user, { id: FIXTURE.user, name: 'alice', profile: { display_name: 'Alice' } });
  const replies = watchReplies(api);
  const child = await newChild(context);
  const channels = Array.from({ length: CHANNELS }, (_, i) => `DB${String(i).padStart(6, '0')}`);
  const nextIndex = new Map<string, number>();
  let nextTurnId = 1;
  /** One signed DM event; returns its turn id. */
  const send = async (url: string, channel: string): Promise<number> => {
    const turnId = nextTurnId++;
    const index = nextIndex.get(channel) ?? 0;
    nextIndex.set(channel, index + 1);
    const seconds = 1_700_000_000 + turnId;
    const ts = `${seconds}.${String(turnId).padStart(6, '0')}`;
    const payload = directMessage(
      { text: `#t${turnId} m${index} ${SHORT_TEXT}`, channel, ts, event_ts: ts },
      { event_id: `EvB${turnId}` },
    );
    const response = await sendSlackEvent(url, payload, { signingSecret: SECRET });
    if (response.status !== 200) throw new Error(`Bolt answered ${response.status}: ${response.body}`);
    return turnId;
  };

  try {
    // References first, on the bench pipeline with the recording channel, in the same fresh process.
    context.progress(`6 slack: reference, ${num(turns)} turns at ${RATE}/s straight into the queue`);
    const direct = await child.call<OverheadResult>('overhead', {
      pipeline: {
        redisUrl: context.redis.url,
        prefix: 's6-direct',
        concurrency: 50,
        model: 'openai',
        modelUrl: context.fastModel.url,
      },
      ratePerSecond: RATE,
      turns,
      warmupTurns: 1_000,
      sessions: CHANNELS,
    });
    const directLatency = summarize(direct.toReply.map((value, i) => value + direct.model[i]!));

    context.progress(`6 slack: reference burst, ${num(burst)} turns enqueued ${IN_FLIGHT} at a time`);
    await child.call('start', {
      pipeline: {
        redisUrl: context.redis.url,
        prefix: 's6-burst',
        concurrency: 50,
        model: 'openai',
        modelUrl: context.fastModel.url,
      },
      expect: burst,
    });
    const producer = createProducer(context, 's6-burst');
    const directStart = performance.timeOrigin + performance.now();
    await enqueueTurns(producer.sink, {
      sessionIds: sessionIds('s6-burst', CHANNELS),
      turnsPerSession: burst / CHANNELS,
      firstTurnId: 0,
      text: () => SHORT_TEXT,
    });
    await producer.queue.close();
    const directBurst = await child.call<WorkerRunResult>('wait');
    await child.call('stop');
    const directRate = (directBurst.committed * 1000) / (directBurst.lastCommitEpochMs - directStart);

    context.progress('6 slack: starting Parley with Slack against the fake Web API');
    const { httpPort } = await child.call<{ httpPort: number }>('startParley', {
      env: {
        OPENAI_BASE_URL: context.fastModel.url,
        MODEL: 'gpt-4o-mini',
        MAX_CONTEXT_TOKENS: '16000',
        REDIS_URL: context.redis.url,
        REDIS_PREFIX: 's6',
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: api.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
    });
    const url = `http://127.0.0.1:${httpPort}/slack/events`;

    context.progress('6 slack: warm-up');
    await openLoop(RATE, 1_000, async (i) => {
      await send(url, channels[i % CHANNELS]!);
    });
    await replies.waitFor(1_000);
    replies.reset();

    context.progress(`6 slack: ${num(turns)} signed events at ${RATE}/s`);
    const sentAt = new Map<number, number>();
    await openLoop(RATE, turns, async (i) => {
      const started = performance.now();
      const turnId = await send(url, channels[i % CHANNELS]!);
      sentAt.set(turnId, started);
    });
    await replies.waitFor(turns);
    const latencies: number[] = [];
    for (const [turnId, started] of sentAt) {
      const posted = replies.firstPost.get(turnId);
      if (posted !== undefined) latencies.push(posted - started);
    }
    const slackLatency = summarize(latencies);
    const steadyViolations = replies.orderViolations();
    replies.reset();

    context.progress(`6 slack: burst of ${num(burst)} signed events, ${IN_FLIGHT} in flight`);
    const burstStart = performance.now();
    let cursor = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        // Each sender owns channels so a channel's events are sent in order.
        const lane = cursor++;
        for (let k = 0; k < burst / IN_FLIGHT; k++) await send(url, channels[lane % CHANNELS]!);
      }),
    );
    await replies.waitFor(burst);
    const burstMs = Math.max(...replies.firstPost.values()) - burstStart;
    const slackRate = (burst * 1000) / burstMs;
    const burstViolations = replies.orderViolations();
    await child.call('stopParley');

    const label = '6 through Slack';
    const rows: ResultRow[] = [
      {
        scenario: label,
        metric: `p50 signed event → answer visible (postMessage/update), 0 ms model, @${RATE}/s`,
        ours: `${num(slackLatency.p50, 2)} ms`,
        reference: `${num(directLatency.p50, 2)} ms enqueue→reply direct`,
        ratio: times(slackLatency.p50, directLatency.p50),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: 'p99 signed event → answer visible',
        ours: `${num(slackLatency.p99, 2)} ms`,
        reference: `${num(directLatency.p99, 2)} ms enqueue→reply direct`,
        ratio: times(slackLatency.p99, directLatency.p99),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: `turns/s, burst of ${num(burst)} events (${IN_FLIGHT} in flight, ${CHANNELS} DMs)`,
        ours: `${num(slackRate)}/s`,
        reference: `${num(directRate)}/s direct enqueue, same burst`,
        ratio: percent(slackRate, directRate),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: 'per-DM order of answers: violations',
        ours: `${steadyViolations + burstViolations}`,
        reference: `0 of ${num(turns + burst)}`,
        ratio: '—',
        target: '0',
        met: met(steadyViolations + burstViolations === 0),
      },
    ];
    return rows;
  } finally {
    await child.close();
    await api.close();
  }
};
