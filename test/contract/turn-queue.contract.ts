import { afterEach, describe, expect, it } from 'vitest';
import type { TurnJob, TurnProcessor, TurnQueue } from '../../src/queue/turn-queue.ts';
import type { PostedMessage } from '../../src/turn/reply-channel.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { turnQueueAmendContract } from './turn-queue-amend.contract.ts';

/** What a contract test needs from an implementation. */
export interface QueueUnderTest {
  queue: TurnQueue;
  /** Stands in for the history store's committed seq. */
  committed: Map<string, number>;
  /** Stands in for the history store's forget marks (`scopeForgottenBefore`), by scope. */
  forgotten: Map<string, number>;
  /** Tears down (closes the queue and whatever it runs on). */
  dispose(): Promise<void>;
}

export type QueueFactory = (options: {
  concurrency: number;
  maxAttempts: number;
  committed: Map<string, number>;
  /** To be passed as the queue's `committedSeq`: reads `committed`, at times slowly. */
  committedSeq: (sessionId: string) => Promise<number>;
  /** To be passed as `forgottenBefore: async (scopeId) => forgotten.get(scopeId) ?? 0`. */
  forgotten: Map<string, number>;
  /** The history's retention in ms, for a queue that keeps state of its own (absent: none). */
  historyTtlMs?: number;
}) => Promise<QueueUnderTest>;

export function makeTurn(sessionId: string, id: string, text = id): Turn {
  return {
    id,
    sessionId,
    kind: 'message',
    author: { id: 'U1', name: 'Alice' },
    text,
    target: { platform: 'console', channelId: 'c' },
    receivedAt: Date.now(),
  };
}

/** Polls the recorded runs often: ordering is checked turn by turn. */
const POLL = { intervalMs: 10 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A processor that commits like the real one (seq must grow) and records what it saw. */
function recordingProcessor(committed: Map<string, number>, delay: () => number) {
  const processed = new Map<string, string[]>();
  let inFlight = 0;
  let maxInFlight = 0;
  const order: string[] = [];
  const run: TurnProcessor = async (job) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await sleep(delay());
      const last = committed.get(job.turn.sessionId) ?? 0;
      if (job.seq !== last + 1) throw new Error(`out of order: seq ${job.seq} after ${last}`);
      committed.set(job.turn.sessionId, job.seq);
      const list = processed.get(job.turn.sessionId) ?? [];
      list.push(job.turn.text);
      processed.set(job.turn.sessionId, list);
      order.push(job.turn.sessionId);
    } finally {
      inFlight -= 1;
    }
  };
  return { run, processed, order, maxInFlight: () => maxInFlight };
}

/** The ordering contract every TurnQueue implementation must pass (edits of waiting turns included). */
export function turnQueueContract(name: string, factory: QueueFactory): void {
  describe(`TurnQueue contract: ${name}`, () => {
    let current: QueueUnderTest | undefined;
    const open = async (
      options: {
        concurrency?: number;
        maxAttempts?: number;
        historyTtlMs?: number;
        /** How long the nth lookup of a committed seq (0-based) takes. */
        lookupDelayMs?: (call: number) => number;
      } = {},
    ) => {
      const committed = new Map<string, number>();
      let lookups = 0;
      const committedSeq = async (sessionId: string) => {
        const delay = options.lookupDelayMs?.(lookups++) ?? 0;
        if (delay > 0) await sleep(delay);
        return committed.get(sessionId) ?? 0;
      };
      current = await factory({
        concurrency: options.concurrency ?? 20,
        maxAttempts: options.maxAttempts ?? 3,
        committed,
        committedSeq,
        forgotten: new Map(),
        ...(options.historyTtlMs !== undefined ? { historyTtlMs: options.historyTtlMs } : {}),
      });
      return current;
    };
    afterEach(async () => {
      await current?.dispose();
      current = undefined;
    });

    it('processes every session strictly in order, sessions in parallel, none lost or repeated', async () => {
      const { queue, committed } = await open({ concurrency: 20 });
      const recorder = recordingProcessor(committed, () => Math.random() * 4);
      await queue.process(recorder.run);
      const sessions = 40;
      const turns = 15;
      const adds: Promise<unknown>[] = [];
      for (let t = 0; t < turns; t++) {
        for (let s = 0; s < sessions; s++)
          adds.push(queue.enqueue(makeTurn(`console:s${s}`, `t${t}`, `${t}`)));
      }
      await Promise.all(adds);
      await waitFor('every turn to be processed', () => recorder.order.length === sessions * turns, POLL);
      for (let s = 0; s < sessions; s++) {
        expect(recorder.processed.get(`console:s${s}`)).toEqual(
          Array.from({ length: turns }, (_, t) => `${t}`),
        );
      }
      expect(recorder.maxInFlight()).toBeGreaterThan(1);
      expect(await queue.pendingCount()).toBe(0);
    });

    it('numbers concurrent enqueues of a session in call order, even when a committed-seq lookup is slow', async () => {
      // The first lookup (the first turn of a session new to the queue) takes a while; later ones are instant.
      const { queue, committed } = await open({ lookupDelayMs: (call) => (call === 0 ? 100 : 0) });
      const recorder = recordingProcessor(committed, () => 0);
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, t) => queue.enqueue(makeTurn('console:slow-lookup', `t${t}`, `${t}`))),
      );
      expect(results.map((result) => result.seq)).toEqual([1, 2, 3, 4, 5]);
      await queue.process(recorder.run);
      await waitFor('every turn to be processed', () => recorder.order.length === 5, POLL);
      expect(recorder.processed.get('console:slow-lookup')).toEqual(['0', '1', '2', '3', '4']);
    });

    it('accepts a turn id once per session; a repeat is reported and not processed', async () => {
      const { queue, committed } = await open();
      const recorder = recordingProcessor(committed, () => 0);
      await queue.process(recorder.run);
      const first = await queue.enqueue(makeTurn('console:dup', 'evt-1', 'hello'));
      const again = await queue.enqueue(makeTurn('console:dup', 'evt-1', 'hello'));
      const other = await queue.enqueue(makeTurn('console:dup-other', 'evt-1', 'hello'));
      expect(first).toEqual({ accepted: true, seq: 1 });
      expect(again.accepted).toBe(false);
      expect(other.accepted).toBe(true);
      await waitFor('both accepted turns to be processed', () => recorder.order.length === 2, POLL);
      await sleep(50);
      expect(recorder.processed.get('console:dup')).toEqual(['hello']);
    });

    it('numbers turns after the last committed seq, so numbering survives restarts', async () => {
      const { queue, committed } = await open();
      committed.set('console:resumed', 7);
      const seqs: number[] = [];
      await queue.process(async (job) => {
        seqs.push(job.seq);
        committed.set(job.turn.sessionId, job.seq);
      });
      await queue.enqueue(makeTurn('console:resumed', 'a'));
      await queue.enqueue(makeTurn('console:resumed', 'b'));
      await waitFor('both turns to be processed', () => seqs.length === 2, POLL);
      expect(seqs).toEqual([8, 9]);
    });

    it("never numbers a turn at or below the store's committed seq, even once its own state expired", async () => {
      const { queue, committed } = await open({ historyTtlMs: 300 });
      const seqs: number[] = [];
      await queue.process(async (job) => {
        seqs.push(job.seq);
        committed.set(job.turn.sessionId, job.seq);
      });
      await queue.enqueue(makeTurn('console:idle', 'a'));
      await waitFor('the first turn', () => seqs.length === 1, POLL);
      // Idle past the retention: what the queue kept of the session may be gone, the history is not.
      await sleep(700);
      await queue.enqueue(makeTurn('console:idle', 'b'));
      await waitFor('the second turn', () => seqs.length === 2, POLL);
      expect(seqs).toEqual([1, 2]);
    });

    it('drops unrun every turn received before its scope was forgotten, in every session of the scope', async () => {
      const { queue, committed, forgotten } = await open();
      const mark = Date.now();
      const turn = (sessionId: string, id: string, receivedAt: number, scopeId?: string): Turn => ({
        ...makeTurn(sessionId, id),
        receivedAt,
        ...(scopeId ? { scopeId } : {}),
      });
      const channel = 'slack:T:C';
      for (const queued of [
        turn(`${channel}:1.1`, 'early in a thread', mark - 10, channel),
        turn(channel, 'early in the channel itself', mark - 5),
        turn(`${channel}:2.2`, 'early in a new thread', mark - 1, channel),
        turn('slack:T:C2:3.3', 'early elsewhere', mark - 10, 'slack:T:C2'),
        turn(`${channel}:1.1`, 'the forget itself', mark, channel),
        turn(`${channel}:2.2`, 'after the forget', mark + 1, channel),
        turn(channel, 'after, in the channel', mark + 2),
      ]) {
        expect((await queue.enqueue(queued)).accepted).toBe(true);
      }
      forgotten.set(channel, mark);
      const runs: string[] = [];
      await queue.process(async (job) => {
        runs.push(job.turn.id);
        committed.set(job.turn.sessionId, job.seq);
      });
      await waitFor('the turns that are kept', () => runs.length === 4, POLL);
      await waitFor('every mailbox to empty', async () => (await queue.pendingCount()) === 0, POLL);
      expect(runs.sort()).toEqual([
        'after the forget',
        'after, in the channel',
        'early elsewhere',
        'the forget itself',
      ]);
      // The session goes on as usual.
      await queue.enqueue(turn(`${channel}:1.1`, 'later', Date.now() + 10, channel));
      await waitFor('the later turn', () => runs.includes('later'), POLL);
    });

    it('re-runs a turn whose processor threw, with its posted replies, before the next turn', async () => {
      const { queue, committed } = await open({ maxAttempts: 5 });
      const runs: Array<{ text: string; attempt: number; previous: PostedMessage[] }> = [];
      await queue.process(async (job: TurnJob) => {
        runs.push({ text: job.turn.text, attempt: job.attempt, previous: job.previousReplies });
        if (job.turn.text === 'flaky' && job.attempt < 3) {
          await job.recordReplies([{ channelId: 'c', messageId: `m${job.seq}` }]);
          throw new Error('platform hiccup');
        }
        committed.set(job.turn.sessionId, job.seq);
      });
      await queue.enqueue(makeTurn('console:flaky', '1', 'flaky'));
      await queue.enqueue(makeTurn('console:flaky', '2', 'after'));
      await waitFor('the turn after the flaky one', () => runs.some((run) => run.text === 'after'), {
        ...POLL,
        timeoutMs: 30_000,
      });
      expect(runs.map((run) => `${run.text}#${run.attempt}`)).toEqual([
        'flaky#1',
        'flaky#2',
        'flaky#3',
        'after#1',
      ]);
      expect(runs[0]?.previous).toEqual([]);
      expect(runs[1]?.previous).toEqual([{ channelId: 'c', messageId: 'm1' }]);
      expect(runs[3]?.previous).toEqual([]);
      expect(runs.every((run) => run.attempt <= 5)).toBe(true);
    });

    it('lets a quiet session through while a chatty one still has turns queued', async () => {
      const { queue, committed } = await open({ concurrency: 1 });
      const recorder = recordingProcessor(committed, () => 2);
      for (let t = 0; t < 40; t++) await queue.enqueue(makeTurn('console:chatty', `c${t}`));
      await queue.enqueue(makeTurn('console:quiet', 'q0'));
      await queue.process(recorder.run);
      await waitFor('all 41 turns to be processed', () => recorder.order.length === 41, POLL);
      const quietAt = recorder.order.indexOf('console:quiet');
      expect(quietAt).toBeGreaterThan(-1);
      expect(quietAt).toBeLessThan(20);
    });

    it('close() lets the turn in flight finish', async () => {
      const { queue, committed } = await open();
      let finished = false;
      let started = false;
      await queue.process(async (job) => {
        started = true;
        await sleep(300);
        committed.set(job.turn.sessionId, job.seq);
        finished = true;
      });
      await queue.enqueue(makeTurn('console:closing', 'x'));
      await waitFor('the turn to start', () => started, POLL);
      await queue.close({ timeoutMs: 5_000 });
      expect(finished).toBe(true);
    });
  });
  turnQueueAmendContract(name, factory);
}
