import { describe, expect, it } from 'vitest';
import { deliver, deliverReply } from '../../../../src/turn/phases/deliver.ts';
import type { TurnResult } from '../../../../src/turn/phases/turn-result.ts';
import { makeDependencies, makeTurn } from '../turn-fixtures.ts';

const result: TurnResult = {
  outcome: 'answered',
  text: 'the answer',
  details: { isError: false, usage: { promptTokens: 1, completionTokens: 2 }, costUsd: 0.5 },
  messages: [],
  usage: undefined,
  responseId: undefined,
};

function setUp() {
  const deps = makeDependencies();
  const reply = deps.channel.openReply(makeTurn().target, { previous: [], onPosted: async () => {} });
  return { deps, reply };
}

describe('deliverReply', () => {
  it('finishes the reply with the text and details', async () => {
    const { deps, reply } = setUp();
    await deliverReply(deps, { reply, result, lastRun: false, log: deps.logger });
    expect(deps.channel.events).toEqual([{ kind: 'finish', text: 'the answer', details: result.details }]);
    expect(deps.metrics.events).toEqual([]);
  });

  it('throws a failed post before the last run, so the queue runs the turn again', async () => {
    const { deps, reply } = setUp();
    deps.channel.failFinishes(1);
    await expect(deliverReply(deps, { reply, result, lastRun: false, log: deps.logger })).rejects.toThrow(
      'platform down',
    );
    expect(deps.metrics.events).toEqual([['error', 'platform']]);
  });

  it('swallows a failed post on the last run and logs it', async () => {
    const { deps, reply } = setUp();
    deps.channel.failFinishes(1);
    await deliverReply(deps, { reply, result, lastRun: true, log: deps.logger });
    expect(deps.metrics.events).toEqual([['error', 'platform']]);
    expect(deps.lines).toMatchObject([
      { level: 50, msg: 'could not post the reply on the last attempt; committing it anyway' },
    ]);
  });
});

describe('deliver', () => {
  it('logs the given message when the last run cannot post', async () => {
    const deps = makeDependencies();
    const post = async () => {
      throw new Error('gone');
    };
    await deliver(deps, { post, lastRun: true, log: deps.logger, lastRunFailure: 'custom failure' });
    expect(deps.lines).toMatchObject([{ msg: 'custom failure', err: { message: 'gone' } }]);
  });
});
