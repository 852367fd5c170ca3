/**
 * `npm run soak` — a bounded soak of the BullMQ path with faults injected on a schedule.
 *
 *   node --import tsx soak/run.ts [--turns 10000] [--sessions 500] [--workers 2] [--rate 150]
 *                                 [--concurrency 50] [--deadline-s 600] [--max-backlog 3000]
 *
 * Spawns a redis-server with AOF (fsync always) on a free port, runs the fake OpenAI endpoint and the recording
 * chat platform in this process, starts `--workers` worker processes (soak/soak-worker.ts) and enqueues turns
 * itself, interleaved across sessions at `--rate` turns per second. Faults (soak/fault-schedule.ts) come as the
 * turns go out: model 500s and 429s, a model slower than its timeout, a worker SIGKILL and restart, a Redis
 * SIGKILL and restart, a burst of 500s. When every turn is committed (or the deadline passes) the workers are
 * stopped and each turn is checked against the platform's record and the history in Redis.
 *
 * Prints the table on stdout (progress and the log directory on stderr). Exits 1 when any turn was lost,
 * duplicated, out of order or inconsistent, or not every turn could be sent in time; 130 on SIGINT.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { silentLogger } from '../src/app/logger.ts';
import { createRedisHistoryStore } from '../src/history/redis/redis-history-store.ts';
import { createBullTurnQueue } from '../src/queue/bullmq/bullmq-turn-queue.ts';
import type { TurnQueue } from '../src/queue/turn-queue.ts';
import { type FakeChatPlatform, startFakeChatPlatform } from '../test/fakes/fake-chat-platform.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../test/fakes/fake-openai-server.ts';
import { startTestRedis, type TestRedis } from '../test/helpers/redis-server.ts';
import { type FaultRecord, runFaultSchedule, SOAK_FAULTS } from './fault-schedule.ts';
import { formatSoakReport, soakPassed } from './soak-report.ts';
import { SOAK_PREFIX, soakReply, soakSessionId, soakTurn } from './soak-turns.ts';
import { verifySoak } from './verify-soak.ts';
import { createWorkerPool, type WorkerPool } from './worker-pool.ts';

const MODEL_TIMEOUT_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function flags() {
  const { values } = parseArgs({
    options: {
      turns: { type: 'string', default: '10000' },
      sessions: { type: 'string', default: '500' },
      workers: { type: 'string', default: '2' },
      rate: { type: 'string', default: '150' },
      concurrency: { type: 'string', default: '50' },
      'deadline-s': { type: 'string', default: '600' },
      'max-backlog': { type: 'string', default: '3000' },
    },
  });
  const positive = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value <= 0) {
      process.stderr.write(`--${name} must be a positive integer, got "${values[name]}"\n`);
      process.exit(2);
    }
    return value;
  };
  return {
    turns: positive('turns'),
    sessions: positive('sessions'),
    workers: positive('workers'),
    rate: positive('rate'),
    concurrency: positive('concurrency'),
    deadlineS: positive('deadline-s'),
    maxBacklog: positive('max-backlog'),
  };
}

const started = Date.now();
const elapsedS = () => (Date.now() - started) / 1000;
const log = (message: string) =>
  process.stderr.write(`[${elapsedS().toFixed(0).padStart(4)} s] ${message}\n`);

/** Everything started, for the shutdown (also on SIGINT). */
const resources: {
  redis?: TestRedis;
  openai?: FakeOpenAI;
  platform?: FakeChatPlatform;
  client?: Redis;
  ingress?: TurnQueue;
  pool?: WorkerPool;
} = {};

let shuttingDown: Promise<void> | undefined;
function shutdown(): Promise<void> {
  shuttingDown ??= (async () => {
    const { pool, ingress, client, openai, platform, redis } = resources;
    pool?.killAllNow();
    await ingress?.close({ timeoutMs: 1_000 }).catch(() => {});
    client?.disconnect();
    await Promise.all([openai?.close(), platform?.close()]).catch(() => {});
    await redis?.close().catch(() => {});
  })();
  return shuttingDown;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every process the soak started`);
    void shutdown().finally(() => process.exit(130));
  });
}
// A last resort if the process ends some other way: no worker outlives the soak.
process.on('exit', () => resources.pool?.killAllNow());

async function main(): Promise<number> {
  const options = flags();
  const deadlineAt = started + options.deadlineS * 1_000;
  const stopped = () => interrupted || Date.now() > deadlineAt;
  const logDir = mkdtempSync(join(tmpdir(), 'parley-soak-'));
  log(`worker logs in ${logDir}`);

  const redis = await startTestRedis({ appendonly: true });
  resources.redis = redis;
  const openai = await startFakeOpenAI({ record: false });
  resources.openai = openai;
  let modelAnswers = 0;
  const restoreModel = () => {
    openai.reset();
    openai.respondWith((body) => {
      modelAnswers += 1;
      return soakReply(body);
    });
    openai.setLatency(() => 10 + Math.random() * 20);
  };
  restoreModel();
  const platform = await startFakeChatPlatform();
  resources.platform = platform;

  // The producer's own connection: `null` retries so enqueues wait out the Redis restart.
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => {});
  resources.client = client;
  const store = createRedisHistoryStore({ redis: client, prefix: SOAK_PREFIX });
  const ingress = createBullTurnQueue({
    redis: client,
    prefix: SOAK_PREFIX,
    concurrency: 1,
    committedSeq: (sessionId) => store.committedSeq(sessionId),
    maxAttempts: 3,
    logger: silentLogger,
  });
  resources.ingress = ingress;

  const pool = createWorkerPool({
    logDir,
    args: {
      'redis-url': redis.url,
      prefix: SOAK_PREFIX,
      'openai-url': openai.url,
      'platform-url': platform.url,
      concurrency: options.concurrency,
      'max-attempts': 3,
      'model-timeout-ms': MODEL_TIMEOUT_MS,
      'model-retries': 1,
    },
  });
  resources.pool = pool;
  await Promise.all(Array.from({ length: options.workers }, (_, slot) => pool.start(slot)));
  log(`${options.workers} workers ready; sending ${options.turns} turns over ${options.sessions} sessions`);

  const sentPerSession = Array.from({ length: options.sessions }, () => 0);
  let sent = 0;
  let committed = 0;
  const numberingProblems: string[] = [];

  // Committed turns over all sessions, polled (it waits while Redis is down).
  let monitoring = true;
  const monitor = (async () => {
    let lastReport = 0;
    while (monitoring) {
      const seqs = await Promise.all(
        sentPerSession.map((_, index) => store.committedSeq(soakSessionId(index + 1)).catch(() => 0)),
      );
      committed = seqs.reduce((sum, seq) => sum + seq, 0);
      if (elapsedS() - lastReport >= 5) {
        lastReport = elapsedS();
        log(`sent ${sent}/${options.turns} · committed ${committed} · backlog ${sent - committed}`);
      }
      await sleep(500);
    }
  })();

  const killedPids = new Set<number>();
  const faults: Promise<FaultRecord[]> = runFaultSchedule(
    SOAK_FAULTS,
    { openai, restoreModel, modelTimeoutMs: MODEL_TIMEOUT_MS, pool, redis, killedPids },
    () => sent / options.turns,
    stopped,
    elapsedS,
    log,
  );

  // Open loop at `rate`, interleaved: turn i goes to session i mod n. A batch never holds two turns of one
  // session, and waits for the previous batch, so each session's turns are enqueued in order.
  const sendingStarted = Date.now();
  while (sent < options.turns && !stopped()) {
    const due = Math.min(
      options.turns,
      Math.floor(((Date.now() - sendingStarted) / 1_000) * options.rate) + 1,
    );
    const room = options.maxBacklog - (sent - committed);
    const size = Math.min(due - sent, options.sessions, room);
    if (size <= 0) {
      await sleep(10);
      continue;
    }
    const batch = Array.from({ length: size }, (_, offset) => sent + offset);
    await Promise.all(
      batch.map(async (index) => {
        const session = (index % options.sessions) + 1;
        const turn = Math.floor(index / options.sessions) + 1;
        const result = await ingress.enqueue(soakTurn(session, turn));
        // Not accepted: a resend of an enqueue whose answer the Redis restart swallowed (de-duplicated).
        if (result.accepted && result.seq !== turn) {
          numberingProblems.push(`s${session}-t${turn} was numbered ${result.seq}`);
        }
        sentPerSession[session - 1] = turn;
      }),
    );
    sent += size;
  }
  log(`sent ${sent} turns; waiting for the rest to be committed`);

  const faultRecords = await faults;
  while (committed < sent && !stopped()) await sleep(200);
  const deadlineHit = Date.now() > deadlineAt;
  if (deadlineHit) log('deadline reached: what is not committed now counts as lost');
  monitoring = false;
  await monitor;

  const workerExits = await pool.stopAll(10_000);
  log('workers stopped; verifying every turn');
  const counts = await verifySoak({
    sessions: options.sessions,
    sentPerSession,
    messages: platform.messages,
    store,
    killedPids,
  });
  counts.outOfOrder += numberingProblems.length;
  counts.problems.push(...numberingProblems.slice(0, 10));
  const facts = {
    turns: options.turns,
    sessions: options.sessions,
    workers: options.workers,
    elapsedS: elapsedS(),
    unsent: options.turns - sent,
    deadlineHit,
    faults: faultRecords,
    workerExits,
    modelAnswers,
  };
  process.stdout.write(`${formatSoakReport(counts, facts)}\n`);
  return soakPassed(counts, facts) ? 0 : 1;
}

main()
  .catch((error: unknown) => {
    log(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await shutdown();
    process.exit(interrupted ? 130 : code);
  });
