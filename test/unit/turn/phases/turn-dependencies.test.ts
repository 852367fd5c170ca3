import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/app/logger.ts';
import {
  DEFAULT_TURN_DEADLINE_MS,
  openTurnReply,
  replyChannelFor,
  resolveTurnDependencies,
} from '../../../../src/turn/phases/turn-dependencies.ts';
import { createRecordingReplyChannel } from '../recording-reply-channel.ts';
import { createScriptedModelClient } from '../scripted-model-client.ts';
import { counter, makeDependencies, makeJob, makeTurn } from '../turn-fixtures.ts';

describe('resolveTurnDependencies', () => {
  const bare = () =>
    resolveTurnDependencies({
      ...makeDependencies(),
      now: undefined,
      retryDelayMs: undefined,
      sleep: undefined,
      model: createScriptedModelClient([]),
      counter,
      logger: silentLogger,
    });

  it('backs off exponentially from one second, capped at eight, when no delay is given', () => {
    const { retryDelayMs } = bare();
    expect([1, 2, 3, 4, 5, 9].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('uses the wall clock when no clock is given', () => {
    const before = Date.now();
    const read = bare().now();
    expect(read).toBeGreaterThanOrEqual(before);
    expect(read).toBeLessThanOrEqual(Date.now());
  });

  it('gives a run of a turn two minutes unless told otherwise', () => {
    expect(bare().turnDeadlineMs).toBe(DEFAULT_TURN_DEADLINE_MS);
    expect(DEFAULT_TURN_DEADLINE_MS).toBe(120_000);
    expect(makeDependencies({ overrides: { turnDeadlineMs: 5_000 } }).turnDeadlineMs).toBe(5_000);
  });

  it('sleeps on a timer when no sleep is given', async () => {
    await expect(bare().sleep(1)).resolves.toBeUndefined();
  });

  it('leaves the history what the reply does not need of the context budget', () => {
    expect(makeDependencies().historyBudget).toBe(4_000 - 500);
  });

  it('keeps given settings', () => {
    const deps = makeDependencies({
      overrides: { retryDelayMs: (attempt) => attempt * 3, modelAttempts: 5 },
    });
    expect(deps.retryDelayMs(2)).toBe(6);
    expect(deps.modelAttempts).toBe(5);
  });
});

describe('replyChannelFor', () => {
  it("finds the turn's platform and refuses a platform this worker does not serve", () => {
    const deps = makeDependencies();
    expect(replyChannelFor(deps, makeTurn())).toBe(deps.channel);
    const slackTurn = makeTurn({ target: { platform: 'slack', channelId: 'C1' } });
    expect(() => replyChannelFor(deps, slackTurn)).toThrow('no reply channel for platform slack');
  });
});

describe('openTurnReply', () => {
  it("hands the job's earlier posts to the channel and records what the reply posts", async () => {
    const channel = createRecordingReplyChannel();
    const previous = [{ channelId: 'c', messageId: 'm1' }];
    const recorded: unknown[] = [];
    const job = makeJob(makeTurn(), {
      previousReplies: previous,
      recordReplies: async (posted) => {
        recorded.push(posted);
      },
    });
    const reply = openTurnReply(channel, job);
    expect(channel.opened).toMatchObject([{ target: job.turn.target, options: { previous } }]);
    const posted = [{ channelId: 'c', messageId: 'm2' }];
    await channel.opened[0]!.options.onPosted(posted);
    expect(recorded).toEqual([posted]);
    reply.reopen();
    expect(channel.opened[1]!.options.previous).toEqual(posted);
  });
});
