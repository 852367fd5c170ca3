import type { StoredMessage } from '../../src/history-store.ts';
import { toStoredMessage } from '../../src/prompt/render-message.ts';
import { getTokenCounter } from '../../src/token-counter.ts';
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
const MB = 1024 * 1024;

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
 * 5 — memory. Redis: `used_memory` before/after storing 100,000 messages (10,000 sessions × 10), per
 * message, against the JSON bytes of those messages. Worker: peak RSS while 10,000 sessions (each with
 * that history) have a turn in flight at once (WORKER_CONCURRENCY 10,000, model latency 2 s), against the
 * same process idle after warm-up (tokenizer loaded).
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
    context.progress('5 memory: warming the worker up');
    await child.call('warmup', {
      pipeline: {
        redisUrl: context.redis.url,
        prefix: 's5-warm',
        concurrency: 50,
        model: 'openai',
        modelUrl: context.fastModel.url,
      },
      sessions: 50,
      turnsPerSession: 20,
    });
    const idle = await child.call<{ rssBytes: number }>('usage');
    await child.call('start', {
      pipeline: {
        redisUrl: context.redis.url,
        prefix: 's5',
        concurrency: SESSIONS,
        model: 'openai',
        modelUrl: slowModel.url,
      },
      expect: SESSIONS,
    });
    context.progress(`5 memory: ${num(SESSIONS)} sessions in flight at once`);
    const started = performance.timeOrigin + performance.now();
    await enqueueTurns(producer.queue, {
      sessionIds: ids,
      turnsPerSession: 1,
      firstTurnId: 0,
      text: () => SHORT_TEXT,
      parallel: 1_000,
    });
    const result = await child.call<WorkerRunResult>('wait');
    await child.call('stop');
    const elapsedMs = result.lastCommitEpochMs - started;
    const label = '5 memory';
    return [
      {
        scenario: label,
        metric: `worker peak RSS, ${num(SESSIONS)} sessions in flight (conc ${num(SESSIONS)})`,
        ours: `${num(result.peakRssBytes / MB)} MB`,
        reference: `${num(idle.rssBytes / MB)} MB idle, warmed`,
        ratio: times(result.peakRssBytes, idle.rssBytes),
        target: '≤ 250 MB',
        met: met(result.peakRssBytes <= 250 * MB),
      },
      {
        scenario: label,
        metric: 'worker RSS per active session above idle',
        ours: `${num((result.peakRssBytes - idle.rssBytes) / SESSIONS / 1024, 1)} KB`,
        reference: '—',
        ratio: '—',
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: `those ${num(SESSIONS)} turns: turns/s (model ${LATENCY_MS / 1000} s)`,
        ours: `${num((result.committed * 1000) / elapsedMs)}/s`,
        reference: `${num((SESSIONS * 1000) / LATENCY_MS)}/s = in flight / latency`,
        ratio: percent(result.committed / elapsedMs, SESSIONS / LATENCY_MS),
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
