import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../src/app/logger.ts';
import { runTurnAttempt, type TurnAttempts } from '../../../src/queue/run-turn-attempt.ts';
import type { TurnJob } from '../../../src/queue/turn-queue.ts';
import type { PostedMessage } from '../../../src/turn/reply-channel.ts';
import type { Turn } from '../../../src/turn/turn.ts';

const turn: Turn = {
  id: 'e1',
  sessionId: 'console:alice',
  kind: 'message',
  author: { id: 'U1', name: 'Alice' },
  text: 'hello',
  target: { platform: 'console', channelId: 'c' },
  receivedAt: 0,
};

/** Attempts kept in memory per seq, like the Redis hash. */
function memoryAttempts(): TurnAttempts & { recorded: Map<number, PostedMessage[]> } {
  const runs = new Map<number, number>();
  const recorded = new Map<number, PostedMessage[]>();
  return {
    recorded,
    async begin(seq) {
      runs.set(seq, (runs.get(seq) ?? 0) + 1);
      return { attempt: runs.get(seq)!, previousReplies: recorded.get(seq) ?? [] };
    },
    async record(seq, posted) {
      recorded.set(seq, posted);
    },
  };
}

function fakeLogger() {
  const warn = vi.fn();
  return { logger: { warn } as unknown as Logger, warn };
}

describe('runTurnAttempt', () => {
  it('hands the processor the turn, its run count and the replies an earlier run recorded', async () => {
    const attempts = memoryAttempts();
    const { logger } = fakeLogger();
    const posted: PostedMessage[] = [{ channelId: 'c', messageId: 'm1' }];
    const jobs: TurnJob[] = [];
    const failOnce = async (job: TurnJob) => {
      jobs.push(job);
      if (job.attempt === 1) {
        await job.recordReplies(posted);
        throw new Error('model down');
      }
    };
    const options = {
      sessionId: turn.sessionId,
      turn,
      seq: 7,
      maxAttempts: 3,
      attempts,
      processor: failOnce,
      logger,
    };

    expect(await runTurnAttempt(options)).toEqual({ succeeded: false, attempt: 1 });
    expect(await runTurnAttempt(options)).toEqual({ succeeded: true, attempt: 2 });
    expect(jobs.map((job) => [job.seq, job.attempt, job.maxAttempts, job.turn.id])).toEqual([
      [7, 1, 3, 'e1'],
      [7, 2, 3, 'e1'],
    ]);
    expect(jobs[0]?.previousReplies).toEqual([]);
    expect(jobs[1]?.previousReplies).toEqual(posted);
    expect(attempts.recorded.get(7)).toEqual(posted);
  });

  it('logs a throw with the session, seq and attempt instead of passing it on', async () => {
    const { logger, warn } = fakeLogger();
    const error = new Error('boom');
    const result = await runTurnAttempt({
      sessionId: turn.sessionId,
      turn,
      seq: 2,
      maxAttempts: 3,
      attempts: memoryAttempts(),
      processor: async () => {
        throw error;
      },
      logger,
    });
    expect(result.succeeded).toBe(false);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn).toHaveBeenCalledWith(
      { sessionId: turn.sessionId, seq: 2, attempt: 1, err: error },
      'turn failed; it will be retried',
    );
  });

  it('logs nothing when the processor succeeds', async () => {
    const { logger, warn } = fakeLogger();
    const options = { sessionId: turn.sessionId, turn, seq: 1, maxAttempts: 1, logger };
    await runTurnAttempt({ ...options, attempts: memoryAttempts(), processor: async () => {} });
    expect(warn).not.toHaveBeenCalled();
  });
});
