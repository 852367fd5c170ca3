import { performance } from 'node:perf_hooks';
import type { ReplyChannel, ReplyStream } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';

/** Per-turn timestamps (performance.now() of this process), kept only when details are asked for. */
export interface TurnTimes {
  /** When the processor started the turn. */
  startedAt?: number;
  /** When the reply was handed to the platform (`finish`). */
  repliedAt: number;
  /** When the processor returned, i.e. the turn was committed. */
  committedAt?: number;
}

/** What the recorder saw since its last reset. */
export interface RecorderSnapshot {
  /** Replies finished. */
  replies: number;
  /** Turns committed (processor returned). */
  committed: number;
  /** Replies that did not follow the previous reply of their session (index ≠ previous + 1). */
  orderViolations: number;
  /** performance.now() of the first and last commit. */
  firstCommitAt: number;
  lastCommitAt: number;
}

/**
 * Counts replies and commits, checks per-session order live (each session's turn indices must arrive as
 * 0, 1, 2, … exactly once) and wakes waiters when an expected count is reached.
 */
export interface TurnRecorder {
  /** The in-process reply channel (platform `console`) that records instead of posting. */
  channel: ReplyChannel;
  /** Called by the processor wrapper when a turn starts. */
  started(target: ReplyTarget): void;
  /** Called by the processor wrapper after a turn is committed. */
  committed(target: ReplyTarget): void;
  /** Per-turn times by turn id (only with `detail`). */
  times: Map<number, TurnTimes>;
  /** Clears counts; `detail` keeps per-turn times. */
  reset(options: { detail: boolean }): void;
  /** Resolves once `count` turns have been committed since the last reset. */
  waitForCommits(count: number): Promise<void>;
  /** Counts so far. */
  snapshot(): RecorderSnapshot;
}

/** A recorder whose channel answers like a platform that posts instantly. */
export function createTurnRecorder(): TurnRecorder {
  let detail = false;
  let replies = 0;
  let committed = 0;
  let orderViolations = 0;
  let firstCommitAt = Number.NaN;
  let lastCommitAt = Number.NaN;
  let lastIndex = new Map<string, number>();
  const times = new Map<number, TurnTimes>();
  let waiter: { count: number; resolve: () => void } | undefined;

  const channel: ReplyChannel = {
    platform: 'console',
    openReply(target, options): ReplyStream {
      return {
        async showWorking() {},
        update() {},
        async finish() {
          const now = performance.now();
          replies++;
          const index = Number(target.threadId);
          const previous = lastIndex.get(target.channelId) ?? -1;
          if (index !== previous + 1) orderViolations++;
          lastIndex.set(target.channelId, index);
          if (detail) {
            const entry = times.get(Number(target.replyToMessageId));
            if (entry) entry.repliedAt = now;
            else times.set(Number(target.replyToMessageId), { repliedAt: now });
          }
          // A real channel records what it posted so a re-run edits instead of posting twice: keep that cost.
          await options.onPosted([{ channelId: target.channelId, messageId: `m${target.replyToMessageId}` }]);
        },
      };
    },
  };

  return {
    channel,
    times,
    started(target) {
      if (detail)
        times.set(Number(target.replyToMessageId), { startedAt: performance.now(), repliedAt: Number.NaN });
    },
    committed(target) {
      const now = performance.now();
      committed++;
      if (Number.isNaN(firstCommitAt)) firstCommitAt = now;
      lastCommitAt = now;
      if (detail) {
        const entry = times.get(Number(target.replyToMessageId));
        if (entry) entry.committedAt = now;
      }
      if (waiter && committed >= waiter.count) {
        const { resolve } = waiter;
        waiter = undefined;
        resolve();
      }
    },
    reset(options) {
      detail = options.detail;
      replies = 0;
      committed = 0;
      orderViolations = 0;
      firstCommitAt = Number.NaN;
      lastCommitAt = Number.NaN;
      lastIndex = new Map();
      times.clear();
    },
    waitForCommits(count) {
      if (committed >= count) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = { count, resolve };
      });
    },
    snapshot: () => ({ replies, committed, orderViolations, firstCommitAt, lastCommitAt }),
  };
}
