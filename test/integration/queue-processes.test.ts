import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Command, Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, onTestFailed, vi } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { historyKeys } from '../../src/history/redis/history-keys.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { createBullTurnQueue } from '../../src/queue/bullmq/bullmq-turn-queue.ts';
import { mailboxKeys } from '../../src/queue/bullmq/mailbox-keys.ts';
import type { TurnQueue } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';
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
import { waitFor } from '../helpers/wait-for.ts';

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
  /** Log lines so far that report a refused or lost Redis connection. */
  redisErrors: number;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/** Everything a test started, torn down after it whether it passed or not. */
const cleanups: Array<() => Promise<unknown>> = [];
const workers: WorkerProcess[] = [];
/** Workers of the current test, kept after teardown for the failure report. */
let testWorkers: WorkerProcess[] = [];

beforeEach(() => {
  testWorkers = [];
});

afterEach(async () => {
  vi.restoreAllMocks();
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
    const lines = chunk.split('\n').filter(Boolean);
    worker.redisErrors += lines.filter((line) =>
      /ECONNREFUSED|Connection is closed|ECONNRESET|EPIPE/.test(line),
    ).length;
    logTail.push(...lines);
    logTail.splice(0, Math.max(0, logTail.length - 200));
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const worker: WorkerProcess = { pid: child.pid ?? 0, child, logTail, redisErrors: 0, exited };
  workers.push(worker);
  testWorkers.push(worker);
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
  options: { appendonly?: boolean; latency: () => number; concurrency: number; lockMs: number },
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
      'lock-ms': options.lockMs,
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
    pipeline.hget(historyKeys(rig.prefix, rig.names.sessionId(session)).meta, 'committedSeq');
  }
  const results = (await pipeline.exec()) ?? [];
  return results.reduce((sum, [, value]) => sum + Number(value ?? 0), 0);
}

/** States of the whole run cost Redis round trips to check: look every 100 ms. */
const RUN_POLL = { intervalMs: 100 };

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
      // Where runs may overlap (a lock lost in an outage), the later run can see the turn already committed by
      // the earlier one: its answer then counts the turn among the earlier ones. The commit still happens once.
      const overlapped = `ack s${session}-t${turn} after ${Array.from({ length: turn }, (_, index) => `t${index + 1}`).join(',')}`;
      if (
        final.text !== expectedReply(session, turn) &&
        (options.exclusiveSessions || final.text !== overlapped)
      ) {
        problems.push(`${turnId}: final text ${JSON.stringify(final.text)}`);
      }
      if (!final.recorded) {
        problems.push(`${turnId}: message ${final.id} was never recorded (${JSON.stringify(final.writes)})`);
      }
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

/** Waits (polling this process's own platform state) until a worker (`pid`, or any) has a recorded, unfinished message. */
async function caughtInFlight(platform: FakeChatPlatform, pid?: number): Promise<PlatformMessage[]> {
  return waitFor(
    `a turn of ${pid ?? 'any worker'} in flight`,
    () => {
      const inFlight = platform.messages.filter(
        (message) =>
          message.recorded &&
          !message.final &&
          (pid === undefined || message.writes.every((write) => write.pid === pid)),
      );
      return inFlight.length > 0 ? inFlight : undefined;
    },
    // A turn is in flight for tens of milliseconds: look often.
    { timeoutMs: 30_000, intervalMs: 1 },
  );
}

function reportOnFailure(rig: () => Rig | undefined, extra: () => unknown = () => ({})): void {
  onTestFailed(() => {
    for (const worker of testWorkers) {
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
    // No takeover is wanted here, so a lock long enough that a starved machine cannot lose it.
    rig = await startRig('load', { latency: () => Math.random() * 20, concurrency: 50, lockMs: 15_000 });
    const [first, second] = await Promise.all([spawnWorker(rig.workerArgs), spawnWorker(rig.workerArgs)]);

    await enqueueInterleaved(rig, sessions, 1, turns);
    const current = rig;
    await waitFor(
      'every turn to be committed',
      async () => (await committedTotal(current, sessions)) === sessions * turns,
      { ...RUN_POLL, timeoutMs: 120_000 },
    );
    // A turn is popped from its mailbox just after its commit: the last pops may still be on their way.
    const ingress = rig.ingress;
    await waitFor('the mailboxes to empty', async () => (await ingress.pendingCount()) === 0, RUN_POLL);

    const report = await checkRun(rig, { sessions, turns, exclusiveSessions: true });
    expect(report.problems.slice(0, 20).join('\n')).toBe('');
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
  it('survives a SIGKILLed worker: the other takes its sessions over, re-runs edit instead of posting again', async () => {
    const sessions = 100;
    const turns = 10;
    let rig: Rig | undefined;
    reportOnFailure(() => rig);
    rig = await startRig('kill', { latency: () => 20 + Math.random() * 30, concurrency: 50, lockMs: 2_000 });
    // Everything is queued first, so all sessions are busy when the kill comes.
    await enqueueInterleaved(rig, sessions, 1, turns);
    const [victim, survivor] = await Promise.all([spawnWorker(rig.workerArgs), spawnWorker(rig.workerArgs)]);

    const current = rig;
    await waitFor(
      '30 % of the turns to be committed',
      async () => (await committedTotal(current, sessions)) >= 0.3 * sessions * turns,
      { ...RUN_POLL, timeoutMs: 60_000 },
    );
    // Kill while the victim is inside at least one turn past its recorded placeholder (waiting for the
    // model): such a turn cannot have been committed, so its re-run must edit that very message.
    const caught = await caughtInFlight(rig.platform, victim!.pid);
    victim!.child.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    expect(caught.length).toBeGreaterThan(0);
    await waitFor(
      'every turn to be committed',
      async () => (await committedTotal(current, sessions)) === sessions * turns,
      { ...RUN_POLL, timeoutMs: 90_000 },
    );
    expect(isRunning(survivor!)).toBe(true);
    expect(await rig.ingress.pendingCount()).toBe(0);

    const report = await checkRun(rig, { sessions, turns, killedPid: victim!.pid, exclusiveSessions: true });
    expect(report.problems.slice(0, 20).join('\n')).toBe('');
    // Each turn caught in flight was finished by the survivor in the victim's message.
    for (const message of caught) {
      expect(message.final, message.id).toBe(true);
      expect(message.writes.at(-1)?.pid, message.id).toBe(survivor!.pid);
    }
    expect(report.takenOver).toBeGreaterThanOrEqual(caught.length);
    console.info(
      `kill: ${caught.length} turns caught in flight, ${report.takenOver} finished by the survivor in the ` +
        `victim's message, ${report.leftovers} placeholders lost between post and record, ` +
        `per worker ${JSON.stringify([...report.finalsByPid])}`,
    );
    expect(await stopGracefully(survivor!)).toBe(0);
  }, 150_000);

  it('survives a Redis restart: workers reconnect and every turn before and after is answered once', async () => {
    const sessions = 60;
    const turnsBefore = 6;
    const turns = 10;
    let rig: Rig | undefined;
    reportOnFailure(() => rig);
    rig = await startRig('restart', {
      appendonly: true,
      latency: () => 20 + Math.random() * 30,
      concurrency: 30,
      lockMs: 2_000,
    });
    const running = await Promise.all([spawnWorker(rig.workerArgs), spawnWorker(rig.workerArgs)]);

    const current = rig;
    await enqueueInterleaved(rig, sessions, 1, turnsBefore);
    await waitFor(
      'some turns to be committed',
      async () => (await committedTotal(current, sessions)) >= 0.3 * sessions * turnsBefore,
      { ...RUN_POLL, timeoutMs: 60_000 },
    );
    // Pull the plug while turns are waiting for the model: their replies and commits meet a dead Redis.
    const caught = await caughtInFlight(rig.platform);
    await rig.redis.stop({ hard: true });
    await sleep(1_000);
    await rig.redis.restart();
    await enqueueInterleaved(rig, sessions, turnsBefore + 1, turns);
    await waitFor(
      'every turn to be committed',
      async () => (await committedTotal(current, sessions)) === sessions * turns,
      { ...RUN_POLL, timeoutMs: 90_000 },
    );
    // Both saw the connection go, and both are still here.
    expect(running.map((worker) => worker.redisErrors > 0)).toEqual([true, true]);
    expect(running.map(isRunning)).toEqual([true, true]);
    // A turn committed just before the outage may be popped only when the sweeper wakes its session again.
    await waitFor('every mailbox to be empty', async () => (await current.ingress.pendingCount()) === 0, {
      ...RUN_POLL,
      timeoutMs: 30_000,
    });

    // A lock may expire during the outage and let a second drain into a session for the turn in flight, which
    // the design allows (commit once by seq), so overlapping runs are not an error here; duplicates still are.
    const report = await checkRun(rig, { sessions, turns, exclusiveSessions: false });
    expect(report.problems.slice(0, 20).join('\n')).toBe('');
    for (const message of caught) expect(message.final, message.id).toBe(true);
    console.info(
      `restart: ${caught.length} turns caught in flight, taken over ${report.takenOver}, per worker ${JSON.stringify([...report.finalsByPid])}`,
    );
    expect(await Promise.all(running.map(stopGracefully))).toEqual([0, 0]);
  }, 150_000);
  it('answers a turn whose enqueue failed after the mailbox push once the platform retries it', async () => {
    let rig: Rig | undefined;
    reportOnFailure(() => rig);
    rig = await startRig('retry', { latency: () => 5, concurrency: 5, lockMs: 2_000 });
    const worker = await spawnWorker(rig.workerArgs);
    // An ingress whose connections (its own and the one it opens for BullMQ) fail the first command after the
    // turn landed in its mailbox: the wake-up.
    const flaky = new Redis(rig.redis.url, { maxRetriesPerRequest: null });
    cleanups.push(async () => flaky.disconnect());
    const mailbox = mailboxKeys(rig.prefix, rig.names.sessionId(1)).mailbox;
    let failNext = false;
    const makeFlaky = (connection: Redis) => {
      const sendCommand = connection.sendCommand.bind(connection);
      vi.spyOn(connection, 'sendCommand').mockImplementation((command: Command, ...rest) => {
        if (failNext) {
          failNext = false;
          command.reject(new Error('connection reset (simulated)'));
          return command.promise;
        }
        const sent = sendCommand(command, ...rest);
        if (command.args.includes(mailbox)) {
          command.promise.then(
            (seq) => {
              if (Number(seq) > 0) failNext = true;
            },
            () => {},
          );
        }
        return sent;
      });
    };
    makeFlaky(flaky);
    const duplicate = flaky.duplicate.bind(flaky);
    vi.spyOn(flaky, 'duplicate').mockImplementation((override) => {
      const copy = duplicate(override);
      makeFlaky(copy);
      return copy;
    });
    const ingress = createBullTurnQueue({
      redis: flaky,
      prefix: rig.prefix,
      concurrency: 1,
      committedSeq: (sessionId) => rig!.store.committedSeq(sessionId),
      maxAttempts: 5,
      logger: silentLogger,
    });
    cleanups.push(() => ingress.close({ timeoutMs: 1_000 }));

    await expect(ingress.enqueue(rig.names.turn(1, 1))).rejects.toThrow('simulated');
    // The platform delivers the event again (Slack retries, a Socket Mode redelivery).
    await ingress.enqueue(rig.names.turn(1, 1));
    const current = rig;
    await waitFor('the turn to be committed', async () => (await committedTotal(current, 1)) === 1, {
      ...RUN_POLL,
      timeoutMs: 20_000,
    });
    const report = await checkRun(rig, { sessions: 1, turns: 1, exclusiveSessions: true });
    expect(report.problems.join('\n')).toBe('');
    expect(await stopGracefully(worker)).toBe(0);
  }, 60_000);
  it('a drain that lost its lock leaves the session to the worker that took it over', async () => {
    const turns = 5;
    let rig: Rig | undefined;
    reportOnFailure(() => rig);
    rig = await startRig('lock', { latency: () => 300, concurrency: 5, lockMs: 1_000 });
    const { names, prefix, platform, store } = rig;
    const sessionId = names.sessionId(1);
    // A drain in this process takes the session first; in turn 1 its lock vanishes (as after a stall longer
    // than the lock), and it carries on only once the worker process has taken the session over.
    const connection = new Redis(rig.redis.url, { maxRetriesPerRequest: null });
    cleanups.push(async () => connection.disconnect());
    const stale = createBullTurnQueue({
      redis: connection,
      prefix,
      concurrency: 1,
      committedSeq: (id) => store.committedSeq(id),
      maxAttempts: 5,
      lockDurationMs: 1_000,
      sweepIntervalMs: 60_000,
      logger: silentLogger,
    });
    cleanups.push(() => stale.close({ timeoutMs: 1_000 }));
    const staleRuns: number[] = [];
    await stale.process(async (job) => {
      staleRuns.push(job.seq);
      if (job.seq === 1) {
        const locks = await connection.keys(`${prefix}:{q}:turns:*:lock`);
        expect(locks.length).toBe(1);
        await connection.del(...locks);
        await waitFor(
          'the worker process to take the session over',
          async () => platform.messages.some((message) => message.replyTo === names.turnId(1, 1)),
          { ...RUN_POLL, timeoutMs: 30_000 },
        );
      }
      const at = Date.now();
      await store.commitTurn(sessionId, {
        seq: job.seq,
        messages: [
          { role: 'user', content: job.turn.text, author: job.turn.author, at, tokens: 1 },
          { role: 'assistant', content: expectedReply(1, job.seq), at, tokens: 1 },
        ],
      });
    });
    await enqueueInterleaved(rig, 1, 1, turns);
    await waitFor('the stale drain to be in turn 1', async () => staleRuns.length > 0, {
      ...RUN_POLL,
      timeoutMs: 10_000,
    });
    const worker = await spawnWorker(rig.workerArgs);

    const current = rig;
    await waitFor('every turn to be committed', async () => (await committedTotal(current, 1)) === turns, {
      ...RUN_POLL,
      timeoutMs: 30_000,
    });
    // The stale drain finished the turn it was in, then stopped: every later turn ran once, in the worker.
    expect(staleRuns).toEqual([1]);
    const report = await checkRun(rig, { sessions: 1, turns, exclusiveSessions: false });
    expect(report.problems.join('\n')).toBe('');
    expect(await stopGracefully(worker)).toBe(0);
  }, 60_000);
});
