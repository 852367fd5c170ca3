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
 * The soak's faults, one after another. The model outages outlast a turn's retry budget (SDK retries ×
 * processor attempts with their backoff), so turns caught early in them end with an error message and later
 * ones are answered after retries.
 */
export const SOAK_FAULTS: Fault[] = [
  {
    at: 0.1,
    name: 'model endpoint down: HTTP 500 to every request for 6 s',
    async run({ openai, restoreModel }) {
      openai.failNext(OUTAGE_REQUESTS, { status: 500 });
      await sleep(6_000);
      restoreModel();
    },
  },
  {
    at: 0.25,
    name: 'model rate-limited: HTTP 429 with retry-after: 1 to every request for 6 s',
    async run({ openai, restoreModel }) {
      openai.failNext(OUTAGE_REQUESTS, { status: 429, retryAfterSeconds: 1 });
      await sleep(6_000);
      restoreModel();
    },
  },
  {
    at: 0.4,
    name: 'slow model: every request 1.5 × the model timeout for 8 s',
    async run({ openai, restoreModel, modelTimeoutMs }) {
      openai.setLatency(modelTimeoutMs * 1.5);
      await sleep(8_000);
      restoreModel();
    },
  },
  {
    at: 0.55,
    name: 'worker SIGKILLed mid-turn, restarted 1 s later',
    async run({ pool, killedPids }) {
      killedPids.add(await pool.kill(0));
      await sleep(1_000);
      await pool.start(0);
    },
  },
  {
    at: 0.7,
    name: 'redis-server SIGKILLed (AOF, fsync always), restarted 2 s later',
    async run({ redis }) {
      await redis.stop({ hard: true });
      await sleep(2_000);
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
 * Runs `faults` in order, each once `progress()` (share of turns sent) reaches its `at`; stops early when
 * `stopped()` says so. Resolves with what ran and when.
 */
export async function runFaultSchedule(
  faults: Fault[],
  context: FaultContext,
  progress: () => number,
  stopped: () => boolean,
  elapsedS: () => number,
  log: (message: string) => void,
): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  for (const fault of faults) {
    while (progress() < fault.at && !stopped()) await sleep(100);
    if (stopped()) break;
    const startedS = elapsedS();
    log(`fault: ${fault.name}`);
    await fault.run(context);
    records.push({ name: fault.name, startedS, endedS: elapsedS() });
    log(`fault over: ${fault.name}`);
  }
  return records;
}
