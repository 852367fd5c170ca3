import type { StoredMessage } from '../../src/history/history-store.ts';
import { getTokenCounter } from '../../src/model/token-counter.ts';
import { toStoredMessage } from '../../src/prompt/render-message.ts';
import type { WorkerRunResult } from '../child/child-main.ts';
import { type BenchContext, createProducer, newChild, type Scenario } from '../lib/bench-context.ts';
import { replyText, seededRandom, userText } from '../lib/bench-text.ts';
import { SHORT_TEXT } from '../lib/bench-turns.ts';
import { enqueueTurns, sessionIds } from '../lib/enqueue-turns.ts';
import { startFakeModelProcess } from '../lib/fake-model-process.ts';
import { met, num, percent, times } from '../lib/results-table.ts';

const SESSIONS = 10_000;
const HISTORY_PER_SESSION = 10;
const LATENCY_MS = 2_000;
const DEFAULT_CONCURRENCY = 200;
const MB = 1024 * 1024;
/** V8 limits tried as a deployment knob (NODE_OPTIONS): a small young generation and a capped old one. */
const HEAP_CAPS = ['--max-old-space-size=192', '--max-semi-space-size=4'];

interface Usage {
  rssBytes: number;
  heapUsedBytes: number;
}

/** A pool of realistic messages (counted once), reused so seeding does not spend minutes tokenizing. */
function messagePool(size: number): StoredMessage[] {
  const counter = getTokenCounter('gpt-4o-mini');
  const random = seededRandom(5);
  const author = { id: 'U123ABC', name: 'Alice Example' };
  return Array.from({ length: size }, (_, i) =>
    i % 2 === 0
      ? toStoredMessage(
          { role: 'user', content: userText(random), author, at: 1_700_000_000_000 + i },
          counter,
        )
      : toStoredMessage(
          { role: 'assistant', content: replyText(random), at: 1_700_000_000_000 + i },
          counter,
        ),
  );
}

/**
 * 5 — memory. Redis: `used_memory` before/after storing 100,000 messages (10,000 sessions × 10), per message,
 * against the JSON bytes of those messages. Worker: peak RSS while 10,000 sessions (each with that history)
 * get a turn — first at the default WORKER_CONCURRENCY 200 with a zero-latency model (10,000 sessions active,
 * 200 at a time), then all 10,000 in flight at once (concurrency 10,000, model latency 2 s) — against the same
 * process idle after warm-up, and the tokenizer's share of it.
 */
export const memoryScenario: Scenario = async (context: BenchContext) => {
  const ids = sessionIds('s5', SESSIONS);
  const producer = createProducer(context, 's5');
  context.progress(`5 memory: storing ${num(SESSIONS * HISTORY_PER_SESSION)} messages`);
  const pool = messagePool(400);
  const before = await context.redis.usedMemory();
  let payloadBytes = 0;
  for (let from = 0; from < SESSIONS; from += 500) {
    await Promise.all(
      ids.slice(from, from + 500).map((sessionId, offset) => {
        const messages = Array.from(
          { length: HISTORY_PER_SESSION },
          (_, i) => pool[(2 * (from + offset) + i) % pool.length]!,
        );
        for (const message of messages) payloadBytes += Buffer.byteLength(JSON.stringify(message));
        return producer.store.append(sessionId, messages);
      }),
    );
  }
  const stored = SESSIONS * HISTORY_PER_SESSION;
  const perMessage = ((await context.redis.usedMemory()) - before) / stored;
  const payloadPerMessage = payloadBytes / stored;

  const slowModel = await startFakeModelProcess({ latencyMs: LATENCY_MS });
  const child = await newChild(context);
  try {
    const tokenizer = await child.call<TokenizerUsage>('loadTokenizer', { model: 'gpt-4o-mini' });
    const library = await libraryTokenizerUsage(context);
    context.progress('5 memory: warming the worker up');
    const pipeline = {
      redisUrl: context.redis.url,
      prefix: 's5',
      concurrency: DEFAULT_CONCURRENCY,
      model: 'openai',
      modelUrl: context.fastModel.url,
    };
    await child.call('warmup', {
      pipeline: { ...pipeline, prefix: 's5-warm' },
      sessions: 50,
      turnsPerSession: 20,
    });
    const idle = await child.call<Usage>('usage', { gc: true });

    context.progress(
      `5 memory: ${num(SESSIONS)} sessions, one turn each, concurrency ${DEFAULT_CONCURRENCY}`,
    );
    await child.call('start', { pipeline, expect: SESSIONS });
    await enqueueTurns(producer.sink, {
      sessionIds: ids,
      turnsPerSession: 1,
      firstTurnId: 0,
      text: () => SHORT_TEXT,
      parallel: 1_000,
    });
    const active = await child.call<WorkerRunResult>('wait');
    await child.call('stop');
    const afterActive = await child.call<Usage>('usage', { gc: true });

    context.progress(`5 memory: ${num(SESSIONS)} sessions in flight at once (model ${LATENCY_MS} ms)`);
    await child.call('start', {
      pipeline: { ...pipeline, concurrency: SESSIONS, modelUrl: slowModel.url },
      expect: SESSIONS,
    });
    const started = performance.timeOrigin + performance.now();
    await enqueueTurns(producer.sink, {
      sessionIds: ids,
      turnsPerSession: 1,
      firstTurnId: SESSIONS,
      firstIndex: 1,
      text: () => SHORT_TEXT,
      parallel: 1_000,
    });
    const inFlight = await child.call<WorkerRunResult>('wait');
    await child.call('stop');
    const elapsedMs = inFlight.lastCommitEpochMs - started;
    const activeRate = (active.committed * 1000) / active.elapsedMs;

    // The same default-concurrency run in a process with capped V8 heaps: how much of the peak is GC slack.
    context.progress(`5 memory: again at concurrency ${DEFAULT_CONCURRENCY} with ${HEAP_CAPS.join(' ')}`);
    const capped = await newChild(context, HEAP_CAPS);
    let cappedRun: WorkerRunResult;
    let cappedIdle: Usage;
    try {
      await capped.call('warmup', {
        pipeline: { ...pipeline, prefix: 's5-warm2' },
        sessions: 50,
        turnsPerSession: 20,
      });
      cappedIdle = await capped.call<Usage>('usage', { gc: true });
      await capped.call('start', { pipeline, expect: SESSIONS });
      await enqueueTurns(producer.sink, {
        sessionIds: ids,
        turnsPerSession: 1,
        firstTurnId: 2 * SESSIONS,
        firstIndex: 2,
        text: () => SHORT_TEXT,
        parallel: 1_000,
      });
      cappedRun = await capped.call<WorkerRunResult>('wait');
      await capped.call('stop');
    } finally {
      await capped.close();
    }
    const cappedRate = (cappedRun.committed * 1000) / cappedRun.elapsedMs;
    const label = '5 memory';
    const idleRef = `${num(idle.rssBytes / MB)} MB idle, warmed`;
    return [
      {
        scenario: label,
        metric: `worker peak RSS, ${num(SESSIONS)} sessions active, conc ${DEFAULT_CONCURRENCY} (default)`,
        ours: `${num(active.peakRssBytes / MB)} MB`,
        reference: idleRef,
        ratio: times(active.peakRssBytes, idle.rssBytes),
        target: '≤ 250 MB',
        met: met(active.peakRssBytes <= 250 * MB),
      },
      {
        scenario: label,
        metric: `same with ${HEAP_CAPS.join(' ')}: peak RSS / turns/s`,
        ours: `${num(cappedRun.peakRssBytes / MB)} MB / ${num(cappedRate)}/s`,
        reference: `${num(active.peakRssBytes / MB)} MB / ${num(activeRate)}/s uncapped (idle ${num(cappedIdle.rssBytes / MB)} MB)`,
        ratio: times(cappedRun.peakRssBytes, active.peakRssBytes),
        target: '≤ 250 MB',
        met: met(cappedRun.peakRssBytes <= 250 * MB),
      },
      {
        scenario: label,
        metric: `V8 heap still held after those ${num(SESSIONS)} sessions (after full GC)`,
        ours: `${num(afterActive.heapUsedBytes / MB)} MB`,
        reference: `${num(idle.heapUsedBytes / MB)} MB idle (after full GC)`,
        ratio: times(afterActive.heapUsedBytes, idle.heapUsedBytes),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: `worker peak RSS, all ${num(SESSIONS)} in flight at once (conc ${num(SESSIONS)})`,
        ours: `${num(inFlight.peakRssBytes / MB)} MB`,
        reference: idleRef,
        ratio: times(inFlight.peakRssBytes, idle.rssBytes),
        target: '≤ 250 MB',
        met: met(inFlight.peakRssBytes <= 250 * MB),
      },
      {
        scenario: label,
        metric: 'RSS added by building the o200k tokenizer (ours vs js-tiktoken, fresh processes)',
        ours: `${num((tokenizer.afterBytes - tokenizer.beforeBytes) / MB)} MB`,
        reference: `${num((library.afterBytes - library.beforeBytes) / MB)} MB js-tiktoken`,
        ratio: times(tokenizer.afterBytes - tokenizer.beforeBytes, library.afterBytes - library.beforeBytes),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: 'full GC pause with the tokenizer loaded: ours / js-tiktoken (before loading: ours)',
        ours: `${num(tokenizer.gcAfterMs, 1)} ms`,
        reference: `${num(library.gcAfterMs, 1)} ms (${num(tokenizer.gcBeforeMs, 1)} ms before)`,
        ratio: times(tokenizer.gcAfterMs, library.gcAfterMs),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: `in-flight run: RSS per turn in flight above idle / turns/s (model ${LATENCY_MS / 1000} s)`,
        ours: `${num((inFlight.peakRssBytes - idle.rssBytes) / SESSIONS / 1024, 1)} KB / ${num((inFlight.committed * 1000) / elapsedMs)}/s`,
        reference: `— / ${num((SESSIONS * 1000) / LATENCY_MS)}/s = in flight / latency`,
        ratio: percent(inFlight.committed / elapsedMs, SESSIONS / LATENCY_MS),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: `Redis bytes per stored message (${num(stored)} msgs, used_memory Δ)`,
        ours: `${num(perMessage)} B`,
        reference: `${num(payloadPerMessage)} B JSON payload`,
        ratio: times(perMessage, payloadPerMessage),
        target: '—',
        met: '—',
      },
    ];
  } finally {
    await producer.queue.close();
    await child.close();
    await slowModel.stop();
  }
};

/** What `loadTokenizer` reports. */
interface TokenizerUsage {
  /** RSS before and after building it. */
  beforeBytes: number;
  afterBytes: number;
  /** A full GC's pause before and after. */
  gcBeforeMs: number;
  gcAfterMs: number;
}

/** js-tiktoken's own o200k tokenizer built in a fresh child: the reference for ours. */
async function libraryTokenizerUsage(context: BenchContext): Promise<TokenizerUsage> {
  const child = await newChild(context);
  try {
    return await child.call<TokenizerUsage>('loadTokenizer', { model: 'gpt-4o-mini', library: true });
  } finally {
    await child.close();
  }
}
