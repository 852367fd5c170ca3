import { describe, expect, it } from 'vitest';
import { createKeyedSerial } from '../../../src/queue/keyed-serial.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createKeyedSerial', () => {
  it('runs the tasks of one key in call order, even when an earlier one is slower', async () => {
    const serial = createKeyedSerial();
    const done: string[] = [];
    await Promise.all([
      serial('a', async () => {
        await sleep(30);
        done.push('a1');
      }),
      serial('a', async () => {
        done.push('a2');
      }),
      serial('b', async () => {
        done.push('b1');
      }),
    ]);
    // b1 did not wait for a1; a2 did.
    expect(done).toEqual(['b1', 'a1', 'a2']);
  });

  it('gives each caller its own result or error, and a failure does not stop the tasks behind it', async () => {
    const serial = createKeyedSerial();
    const failed = serial('a', async () => {
      throw new Error('boom');
    });
    const next = serial('a', async () => 42);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });
});
