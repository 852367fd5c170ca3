import type { FakeOpenAI } from '../test/fakes/fake-openai-server.ts';
import type { TestRedis } from '../test/helpers/redis-server.ts';
import type { WorkerPool } from './worker-pool.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What faults act on. */
export interface FaultContext {
  /** The fake model (in this process). */
  openai: FakeOpenAI;
  /** Puts the fake model back to normal: no scripted failures, usual latency, the soak's replies. */
  restoreModel(): void;
  /** Model timeout of the workers, so a slow window can exceed it. */
  modelTimeoutMs: number;
  /** The workers. */
  pool: WorkerPool;
  /** The soak's redis-server. */
  redis: TestRedis;
  /** Pids of workers killed so far (the verification tolerates their post-then-record gap). */
  killedPids: Set<number>;
  /** Waits `ms`, or less once the soak is stopping (deadline or SIGINT). */
  wait(ms: number): Promise<void>;
  /** Whether the soak is stopping. */
  stopped(): boolean;
}

/** One fault, injected once the producer has sent `at` of all turns. */
export interface Fault {
  /** Share of the turns sent before it starts (0..1). */
  at: number;
  /** What it does, for the report. */
  name: string;
  /** Injects the fault and resolves once it is over. */
  run(context: FaultContext): Promise<void>;
}

/** When a fault ran, for the report. */
export interface FaultRecord {
  name: string;
  /** Seconds since the soak started. */
  startedS: number;
  endedS: number;
}

/** Scripted failures enough to cover any outage below (the fake pops one per request). */
const OUTAGE_REQUESTS = 100_000;

/**
 * The soak's faults, one after another. The model outages outlast a turn's retry budget (1 SDK retry × 3
 * processor attempts, 1 s and 2 s apart: about 5 s of 500s, 6 s of 429s with `retry-after: 1`, 15 s of
 * timeouts at 2 s each), so turns caught at their start end with an error message and later ones are answered
 * after retries.
 */
export const SOAK_FAULTS: Fault[] = [
  {
    at: 0.1,
    name: 'model endpoint down: HTTP 500 to every request for 6 s',
    async run({ openai, restoreModel, wait }) {
      openai.failNext(OUTAGE_REQUESTS, { status: 500 });
      await wait(6_000);
      restoreModel();
    },
  },
  {
    at: 0.25,
    name: 'model rate-limited: HTTP 429 with retry-after: 1 to every request for 8 s',
    async run({ openai, restoreModel, wait }) {
      openai.failNext(OUTAGE_REQUESTS, { status: 429, retryAfterSeconds: 1 });
      await wait(8_000);
      restoreModel();
    },
  },
  {
    at: 0.4,
    name: 'slow model: every request 1.5 × the model timeout for 16 s',
    async run({ openai, restoreModel, modelTimeoutMs, wait }) {
      openai.setLatency(modelTimeoutMs * 1.5);
      await wait(16_000);
      restoreModel();
    },
  },
  {
    at: 0.55,
    name: 'worker SIGKILLed mid-turn, restarted 1 s later',
    async run({ pool, killedPids, wait, stopped }) {
      killedPids.add(await pool.kill(0));
      await wait(1_000);
      if (!stopped()) await pool.start(0);
    },
  },
  {
    at: 0.7,
    name: 'redis-server SIGKILLed (AOF, fsync always), restarted 2 s later',
    async run({ redis, wait }) {
      await redis.stop({ hard: true });
      // Restarted even when the soak is stopping: the verification reads from it.
      await wait(2_000);
      await redis.restart();
    },
  },
  {
    at: 0.85,
    name: 'model burst: the next 300 requests answer HTTP 500',
    async run({ openai }) {
      openai.failNext(300, { status: 500 });
    },
  },
];

/**
 * Runs `faults` in order, each once `progress()` (share of turns sent) reaches its `at`; once `stopped()` says
 * so, the fault under way is cut short and no other starts. Resolves with what ran and when.
 */
export async function runFaultSchedule(
  faults: Fault[],
  context: Omit<FaultContext, 'wait' | 'stopped'>,
  progress: () => number,
  stopped: () => boolean,
  elapsedS: () => number,
  log: (message: string) => void,
): Promise<FaultRecord[]> {
  const wait = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until && !stopped()) await sleep(Math.min(100, until - Date.now()));
  };
  const records: FaultRecord[] = [];
  for (const fault of faults) {
    while (progress() < fault.at && !stopped()) await sleep(100);
    if (stopped()) break;
    const startedS = elapsedS();
    log(`fault: ${fault.name}`);
    await fault.run({ ...context, wait, stopped });
    records.push({ name: fault.name, startedS, endedS: elapsedS() });
    log(`fault over: ${fault.name}`);
  }
  return records;
}
