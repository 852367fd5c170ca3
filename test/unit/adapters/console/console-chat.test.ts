import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runConsoleChat } from '../../../../adapters/console/console-chat.ts';
import { createConsoleReplyChannel } from '../../../../adapters/console/console-reply-channel.ts';
import { silentLogger } from '../../../../src/app/logger.ts';
import type { TurnQueue } from '../../../../src/queue/turn-queue.ts';
import type { Turn } from '../../../../src/turn/turn.ts';

describe('runConsoleChat', () => {
  it('makes the person at the terminal, who runs the process, the admin of every turn', async () => {
    const turns: Turn[] = [];
    const queue: TurnQueue = {
      async enqueue(turn) {
        turns.push(turn);
        return { accepted: true, seq: turns.length };
      },
      process: async () => {},
      pendingCount: async () => 0,
      close: async () => {},
    };
    const output = new PassThrough();
    output.resume();
    await runConsoleChat({
      input: Readable.from(['/reset\n', '/exit\n']),
      output,
      sessionName: 'ops',
      queue,
      replies: createConsoleReplyChannel(output),
      durable: false,
      logger: silentLogger,
    });
    expect(turns.map((turn) => [turn.kind, turn.author])).toEqual([
      ['reset', { id: 'ops', name: 'ops', isPlatformAdmin: true }],
    ]);
  });
});
