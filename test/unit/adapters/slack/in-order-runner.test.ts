import { describe, expect, it } from 'vitest';
import { createInOrderRunner } from '../../../../adapters/slack/in-order-runner.ts';

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('createInOrderRunner', () => {
  it('runs a key’s tasks one after another, in the order given, even when an earlier one is slower', async () => {
    const run = createInOrderRunner();
    const log: string[] = [];
    const slow = deferred();
    const first = run('s1', async () => {
      log.push('first start');
      await slow.promise;
      log.push('first end');
    });
    const second = run('s1', async () => {
      log.push('second');
    });
    await Promise.resolve();
    expect(log).toEqual(['first start']);
    slow.resolve();
    await Promise.all([first, second]);
    expect(log).toEqual(['first start', 'first end', 'second']);
  });

  it('does not make other keys wait', async () => {
    const run = createInOrderRunner();
    const log: string[] = [];
    const slow = deferred();
    const blocked = run('s1', () => slow.promise.then(() => void log.push('s1')));
    await run('s2', async () => void log.push('s2'));
    expect(log).toEqual(['s2']);
    slow.resolve();
    await blocked;
    expect(log).toEqual(['s2', 's1']);
  });

  it('rejects only the caller of a failing task: the tasks queued after it still run, in order', async () => {
    const run = createInOrderRunner();
    const log: string[] = [];
    const failing = run('s1', async () => {
      log.push('first');
      throw new Error('queue down');
    });
    const next = run('s1', async () => void log.push('second'));
    await expect(failing).rejects.toThrow('queue down');
    await next;
    expect(log).toEqual(['first', 'second']);
  });

  it('starts afresh for a key whose chain has finished', async () => {
    const run = createInOrderRunner();
    await run('s1', async () => {});
    await new Promise((resolve) => setImmediate(resolve));
    const log: string[] = [];
    await run('s1', async () => void log.push('again'));
    expect(log).toEqual(['again']);
  });
});
