import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { createBullTurnQueue } from '../../src/bullmq-turn-queue.ts';
import type { HistoryStore } from '../../src/history-store.ts';
import { silentLogger } from '../../src/logger.ts';
import { createRedisHistoryStore } from '../../src/redis-history-store.ts';
import { sessionKeys } from '../../src/redis-keys.ts';
import type { Turn } from '../../src/turn.ts';
import type { TurnQueue } from '../../src/turn-queue.ts';
import {
  type FakeChatPlatform,
  type PlatformMessage,
  startFakeChatPlatform,
} from '../fakes/fake-chat-platform.ts';
import {
  type ChatCompletionRequestBody,
  type FakeOpenAI,
  startFakeOpenAI,
} from '../fakes/fake-openai-server.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';

/*
 * The BullMQ turn queue across real processes: worker processes (test/helpers/worker-process.ts) built from the
 * real parts, a real redis-server, the fake OpenAI endpoint and the recording fake chat platform in this process,
 * which is also the ingress (it enqueues with its own queue that never processes).
 *
 * Every turn's text is a marker `s<session>-t<turn>`. The fake model answers `ack <marker> after <earlier turns>`,
 * listing the markers of the user messages it saw before the new one, so a committed reply proves which history
 * its prompt was built from.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const workerScript = fileURLToPath(new URL('../helpers/worker-process.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const MARKER = /\bs(\d+)-t(\d+)\b/;

/** The fake model's answer: which turn this is, and which earlier turns of the session were in the prompt. */
function ackReply(body: ChatCompletionRequestBody): string {
  const markers: string[] = [];
  for (const message of body.messages) {
    if (message.role !== 'user' || typeof message.content !== 'string') continue;
    const match = MARKER.exec(message.content);
    if (match) markers.push(`t${match[2]}`);
  }
  const last = body.messages.at(-1);
  const current = typeof last?.content === 'string' ? MARKER.exec(last.content) : null;
  if (!current) return 'ack (no marker)';
  const earlier = markers.slice(0, -1);
  return `ack ${current[0]} after ${earlier.length > 0 ? earlier.join(',') : '-'}`;
}

function expectedReply(session: number, turn: number): string {
  const earlier = Array.from({ length: turn - 1 }, (_, index) => `t${index + 1}`);
  return `ack s${session}-t${turn} after ${earlier.length > 0 ? earlier.join(',') : '-'}`;
}

/** One run's naming: sessions, channels and turn ids are unique per run (prefix). */
function runNames(prefix: string) {
  return {
    sessionId: (session: number) => `console:${prefix}-s${session}`,
    channelId: (session: number) => `ch-${prefix}-s${session}`,
    turnId: (session: number, turn: number) => `${prefix}-s${session}-t${turn}`,
    turn(session: number, turn: number): Turn {
      return {
        id: this.turnId(session, turn),
        sessionId: this.sessionId(session),
        kind: 'message',
        author: { id: 'U1', name: 'Tester' },
        text: `s${session}-t${turn}`,
        target: {
          platform: 'console',
          channelId: this.channelId(session),
          replyToMessageId: this.turnId(session, turn),
        },
        receivedAt: Date.now(),
      };
    },
  };
}
type RunNames = ReturnType<typeof runNames>;

interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** Last lines the worker wrote on stderr (its logs), for failure reports. */
  logTail: string[];
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/** Everything a test started, torn down after it whether it passed or not. */
const cleanups: Array<() => Promise<unknown>> = [];
const workers: WorkerProcess[] = [];

afterEach(async () => {
  for (const worker of workers.splice(0)) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await worker.exited;
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function isRunning(worker: WorkerProcess): boolean {
  return worker.child.exitCode === null && worker.child.signalCode === null;
}

async function spawnWorker(args: Record<string, string | number>): Promise<WorkerProcess> {
  const argv = Object.entries(args).flatMap(([name, value]) => [`--${name}`, String(value)]);
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, ...argv], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logTail: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    logTail.push(...chunk.split('\n').filter(Boolean));
    logTail.splice(0, Math.max(0, logTail.length - 200));
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const worker: WorkerProcess = { pid: child.pid ?? 0, child, logTail, exited };
  workers.push(worker);
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => reject(new Error(`worker not ready in 30 s:\n${logTail.join('\n')}`)),
      30_000,
    );
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('"ready":true')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready:\n${logTail.join('\n')}`));
    });
  });
  return worker;
}

interface Rig {
  redis: TestRedis;
  /** The test's own connection: ingress queue and assertions. */
  client: Redis;
  store: HistoryStore;
  ingress: TurnQueue;
  openai: FakeOpenAI;
  platform: FakeChatPlatform;
  prefix: string;
  names: RunNames;
  workerArgs: Record<string, string | number>;
}

async function startRig(
  prefix: string,
  options: { appendonly?: boolean; latency: () => number; concurrency: number },
): Promise<Rig> {
  const redis = await startTestRedis({ appendonly: options.appendonly });
  cleanups.push(() => redis.close());
  const openai = await startFakeOpenAI({ record: false });
  cleanups.push(() => openai.close());
  openai.respondWith(ackReply);
  openai.setLatency(options.latency);
  const platform = await startFakeChatPlatform();
  cleanups.push(() => platform.close());
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => {}); // the Redis restart test drops it on purpose; commands wait and resume
  cleanups.push(async () => client.disconnect());
  const store = createRedisHistoryStore({ redis: client, prefix });
  const ingress = createBullTurnQueue({
    redis: client,
    prefix,
    concurrency: 1,
    committedSeq: (sessionId) => store.committedSeq(sessionId),
    maxAttempts: 5,
    logger: silentLogger,
  });
  cleanups.push(() => ingress.close({ timeoutMs: 1_000 }));
  return {
    redis,
    client,
    store,
    ingress,
    openai,
    platform,
    prefix,
    names: runNames(prefix),
    workerArgs: {
      'redis-url': redis.url,
      prefix,
      'openai-url': openai.url,
      'platform-url': platform.url,
      concurrency: options.concurrency,
      'lock-ms': 2_000,
      'sweep-ms': 1_000,
      'max-attempts': 5,
    },
  };
}

/** Enqueues turns `fromTurn..toTurn` of every session, interleaved: turn t of all sessions, then t + 1. */
async function enqueueInterleaved(
  rig: Rig,
  sessions: number,
  fromTurn: number,
  toTurn: number,
): Promise<void> {
  for (let turn = fromTurn; turn <= toTurn; turn++) {
    const results = await Promise.all(
      Array.from({ length: sessions }, (_, index) => rig.ingress.enqueue(rig.names.turn(index + 1, turn))),
    );
    results.forEach((result, index) => {
      if (!result.accepted || result.seq !== turn) {
        throw new Error(
          `turn ${turn} of session ${index + 1} was numbered ${result.seq} (${result.accepted})`,
        );
      }
    });
  }
}

/** Sum over sessions of their committed seq. */
async function committedTotal(rig: Rig, sessions: number): Promise<number> {
  const pipeline = rig.client.pipeline();
  for (let session = 1; session <= sessions; session++) {
    pipeline.hget(sessionKeys(rig.prefix, rig.names.sessionId(session)).meta, 'committedSeq');
  }
  const results = (await pipeline.exec()) ?? [];
  return results.reduce((sum, [, value]) => sum + Number(value ?? 0), 0);
}

async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

interface CheckOptions {
  sessions: number;
  turns: number;
  /**
   * A worker that was SIGKILLed: a placeholder it posted but never confirmed as recorded is tolerated as a
   * leftover (the crash fell between the platform's answer and the record), and nothing else is.
   */
  killedPid?: number;
  /** Also require each session's turns not to overlap on the platform (no two runs of one session at once). */
  exclusiveSessions: boolean;
}

interface RunReport {
  problems: string[];
  /** Placeholders left by the killed worker in the post-then-record gap. */
  leftovers: number;
  /** Turns whose message one process posted and another finished (a re-run that edited instead of posting). */
  takenOver: number;
  /** Final replies written per worker pid. */
  finalsByPid: Map<number, number>;
  /** Most turns in flight at once (placeholder posted, final text not yet written), judged by arrival order. */
  maxInFlight: number;
}

/** Checks history, committed seq and the platform's record of every turn; returns what is wrong. */
async function checkRun(rig: Rig, options: CheckOptions): Promise<RunReport> {
  const { names } = rig;
  const problems: string[] = [];
  const report: RunReport = { problems, leftovers: 0, takenOver: 0, finalsByPid: new Map(), maxInFlight: 0 };
  const byChannel = new Map<string, PlatformMessage[]>();
  for (const message of rig.platform.messages) {
    const list = byChannel.get(message.channelId) ?? [];
    list.push(message);
    byChannel.set(message.channelId, list);
  }
  if (rig.platform.rejected.length > 0)
    problems.push(`platform rejected ${JSON.stringify(rig.platform.rejected)}`);
  const intervals: Array<[start: number, end: number]> = [];

  for (let session = 1; session <= options.sessions; session++) {
    const sessionId = names.sessionId(session);
    const committed = await rig.store.committedSeq(sessionId);
    if (committed !== options.turns) problems.push(`${sessionId}: committed seq ${committed}`);
    const history = (await rig.store.load(sessionId)).map((message) => `${message.role}: ${message.content}`);
    const wanted = Array.from({ length: options.turns }, (_, index) => [
      `user: s${session}-t${index + 1}`,
      `assistant: ${expectedReply(session, index + 1)}`,
    ]).flat();
    if (JSON.stringify(history) !== JSON.stringify(wanted)) {
      const at = wanted.findIndex((line, index) => history[index] !== line);
      problems.push(
        `${sessionId}: history has ${history.length} messages, first difference at ${at}: ` +
          `${JSON.stringify(history[at])} instead of ${JSON.stringify(wanted[at])}`,
      );
    }

    const messages = byChannel.get(names.channelId(session)) ?? [];
    let previousFinal: { serial: number; finalAt: number } | undefined;
    for (let turn = 1; turn <= options.turns; turn++) {
      const turnId = names.turnId(session, turn);
      const forTurn = messages.filter((message) => message.replyTo === turnId);
      const finals = forTurn.filter((message) => message.final);
      const others = forTurn.filter((message) => !message.final);
      if (finals.length !== 1) {
        problems.push(`${turnId}: ${finals.length} messages with a final reply (${forTurn.length} in all)`);
        continue;
      }
      const final = finals[0]!;
      for (const other of others) {
        const leftover =
          options.killedPid !== undefined &&
          !other.recorded &&
          other.writes.every((write) => write.pid === options.killedPid);
        if (leftover) report.leftovers += 1;
        else problems.push(`${turnId}: duplicate message ${other.id} (${JSON.stringify(other.writes)})`);
      }
      if (final.text !== expectedReply(session, turn)) {
        problems.push(`${turnId}: final text ${JSON.stringify(final.text)}`);
      }
      if (!final.recorded) problems.push(`${turnId}: message ${final.id} was never recorded for re-runs`);
      const firstFinal = final.writes.find((write) => write.final)!;
      const lastFinal = final.writes.findLast((write) => write.final)!;
      report.finalsByPid.set(lastFinal.pid, (report.finalsByPid.get(lastFinal.pid) ?? 0) + 1);
      if (final.writes.some((write) => write.pid !== final.writes[0]!.pid)) report.takenOver += 1;
      const start = final.writes[0]!.arrival;
      // In thread order (messages appear in turn order) and answered in turn order.
      if (previousFinal && final.serial < previousFinal.serial) {
        problems.push(`${turnId}: its message ${final.id} was posted before the previous turn's`);
      }
      if (previousFinal && firstFinal.arrival < previousFinal.finalAt) {
        problems.push(`${turnId}: its final reply arrived before the previous turn's`);
      }
      if (options.exclusiveSessions && previousFinal && start < previousFinal.finalAt) {
        problems.push(`${turnId}: started (#${start}) before the previous turn was answered`);
      }
      previousFinal = { serial: final.serial, finalAt: firstFinal.arrival };
      intervals.push([start, firstFinal.arrival]);
    }
    const strays = messages.filter((message) => !message.replyTo?.startsWith(`${rig.prefix}-s${session}-t`));
    if (strays.length > 0) problems.push(`${sessionId}: ${strays.length} messages answering no known turn`);
  }

  const events = intervals.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]!);
  let open = 0;
  for (const [, delta] of events) {
    open += delta!;
    report.maxInFlight = Math.max(report.maxInFlight, open);
  }
  return report;
}

function reportOnFailure(rig: () => Rig | undefined, extra: () => unknown = () => ({})): void {
  onTestFailed(() => {
    for (const worker of workers) {
      console.error(
        `worker ${worker.pid} (running: ${isRunning(worker)}) log tail:\n${worker.logTail.join('\n')}`,
      );
    }
    const current = rig();
    if (current) console.error(`platform: ${current.platform.messages.length} messages`, extra());
  });
}

async function stopGracefully(worker: WorkerProcess): Promise<number | string> {
  worker.child.kill('SIGTERM');
  return worker.exited;
}

describe.sequential('BullMQ turn queue across processes', () => {
  it('keeps 4,000 turns of 200 sessions in order on two workers, in parallel, none lost or repeated', async () => {
    const sessions = 200;
    const turns = 20;
    let rig: Rig | undefined;
    reportOnFailure(() => rig);
    rig = await startRig('load', { latency: () => Math.random() * 20, concurrency: 50 });
    const [first, second] = await Promise.all([spawnWorker(rig.workerArgs), spawnWorker(rig.workerArgs)]);

    await enqueueInterleaved(rig, sessions, 1, turns);
    const current = rig;
    await waitUntil(
      'every turn is committed',
      async () => (await committedTotal(current, sessions)) === sessions * turns,
      120_000,
    );
    expect(await rig.ingress.pendingCount()).toBe(0);

    const report = await checkRun(rig, { sessions, turns, exclusiveSessions: true });
    expect(report.problems.slice(0, 20)).toEqual([]);
    expect(report.leftovers).toBe(0);
    expect(report.takenOver).toBe(0);
    // Both processes answered turns, and turns of different sessions were in flight at the same time.
    expect(report.finalsByPid.get(first!.pid) ?? 0).toBeGreaterThan(0);
    expect(report.finalsByPid.get(second!.pid) ?? 0).toBeGreaterThan(0);
    expect([...report.finalsByPid.keys()].sort()).toEqual([first!.pid, second!.pid].sort());
    expect(report.maxInFlight).toBeGreaterThan(1);
    console.info(
      `load: ${sessions * turns} turns, per worker ${JSON.stringify([...report.finalsByPid])}, ` +
        `max turns in flight ${report.maxInFlight}, platform messages ${rig.platform.messages.length}`,
    );

    // SIGTERM closes the queue and exits cleanly.
    expect(await Promise.all([stopGracefully(first!), stopGracefully(second!)])).toEqual([0, 0]);
  }, 180_000);
});
