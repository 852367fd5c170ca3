import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Command, Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HistoryStore, StoredMessage } from '../../src/history-store.ts';
import type { Logger } from '../../src/logger.ts';
import { createRedisHistoryStore } from '../../src/redis-history-store.ts';
import { sessionKeys } from '../../src/redis-keys.ts';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';

function message(content: string, tokens = 10, role: StoredMessage['role'] = 'user'): StoredMessage {
  return role === 'user'
    ? { role, content, author: { id: 'U1', name: 'Ada' }, at: 1_700_000_000_000, tokens }
    : { role, content, at: 1_700_000_000_000, tokens };
}

/** A pino logger that keeps its JSON lines in memory. */
function capturingLogger(): { logger: Logger; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** Uniquely named prefix, so tests sharing a server never see each other's keys. */
const newPrefix = () => `it-${randomUUID()}`;

describe('Redis history store on a plain server', () => {
  let server: TestRedis;
  let client: Redis;
  const stores: HistoryStore[] = [];
  const track = (store: HistoryStore) => {
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startTestRedis();
    client = server.client();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  afterAll(async () => {
    await client?.quit();
    await server?.close();
  });

  it('writes only the documented keys, under the prefix and the session hash tag', async () => {
    await client.flushall();
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix }));
    // Reads of unknown sessions create nothing.
    await store.load('slack:T:C', { maxMessages: 3 });
    await store.getMeta('slack:T:C');
    await store.committedSeq('slack:T:C');
    expect(await client.dbsize()).toBe(0);

    const turn = [message('hi'), message('ahoy', 3, 'assistant')];
    await store.commitTurn('slack:T:C', {
      seq: 7,
      messages: turn,
      usage: { promptTokens: 120, completionTokens: 30, costUsd: 0.0015 },
    });
    await store.setMeta('slack:T:C', { persona: 'pirate', summary: 'they met' });
    await store.append('discord:dm:42', [message('other session')]);

    const keys = await client.keys('*');
    expect(keys.sort()).toEqual(
      [
        `${prefix}:{s:discord:dm:42}:history`,
        `${prefix}:{s:slack:T:C}:history`,
        `${prefix}:{s:slack:T:C}:meta`,
      ].sort(),
    );
    const layout = sessionKeys(prefix, 'slack:T:C');
    expect(await client.type(layout.history)).toBe('list');
    expect(await client.type(layout.meta)).toBe('hash');
    const entries = await client.lrange(layout.history, 0, -1);
    expect(entries.map((entry) => JSON.parse(entry))).toEqual(turn);

    const meta = await client.hgetall(layout.meta);
    expect(Object.keys(meta).sort()).toEqual(
      [
        'calls',
        'committedSeq',
        'completionTokens',
        'costMicroUsd',
        'lastActiveAt',
        'persona',
        'promptTokens',
        'summary',
      ].sort(),
    );
    expect(meta).toMatchObject({
      calls: '1',
      committedSeq: '7',
      completionTokens: '30',
      costMicroUsd: '1500',
      persona: 'pirate',
      promptTokens: '120',
      summary: 'they met',
    });
    expect(meta.lastActiveAt).toMatch(/^\d+$/);
  });

  it('pages a 10,000-message history from the tail and returns exactly the right suffix', async () => {
    const store = track(createRedisHistoryStore({ redis: client, prefix: newPrefix() }));
    const sid = 'slack:T:C:1700000000.000100';
    const history = Array.from({ length: 10_000 }, (_, index) =>
      message(`m${index}`, (index % 7) + 1, index % 2 === 0 ? 'user' : 'assistant'),
    );
    await store.append(sid, history);

    // Record every LRANGE the store sends (MULTI bodies included) as [first, last] head-relative indices.
    const ranges: [number, number][] = [];
    const sendCommand = client.sendCommand.bind(client);
    vi.spyOn(client, 'sendCommand').mockImplementation((command: Command, ...rest) => {
      if (command.name === 'lrange') {
        const [, start, end] = command.args.map(Number) as [number, number, number];
        ranges.push([start < 0 ? 10_000 + start : start, end < 0 ? 10_000 + end : end]);
      }
      return sendCommand(command, ...rest);
    });
    const readSpan = () => ranges.splice(0).reduce((sum, [start, end]) => sum + end - start + 1, 0);

    expect(await store.load(sid, { maxMessages: 5 })).toEqual(history.slice(-5));
    expect(readSpan()).toBe(5);

    // Tokens cycle 1..7, so 400 tokens hold about 100 messages: more than the first page of 64.
    const expectedByTokens = newestWithin(history, 400);
    expect(expectedByTokens.length).toBeGreaterThan(64);
    expect(await store.load(sid, { maxTokens: 400 })).toEqual(expectedByTokens);
    expect(readSpan()).toBeLessThanOrEqual(64 + 128);

    expect(await store.load(sid, { maxTokens: 20_000, maxMessages: 3000 })).toEqual(history.slice(-3000));
    expect(readSpan()).toBeLessThan(3000 + 2048);

    const all = await store.load(sid, { maxTokens: 1_000_000 });
    expect(all).toEqual(history);
    expect(readSpan()).toBe(10_000);
    expect(await store.load(sid)).toEqual(history);
    expect(ranges).toEqual([[0, 9_999]]);
  });

  it('skips and logs corrupt entries instead of failing the turn, without logging their content', async () => {
    const { logger, records } = capturingLogger();
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix, logger }));
    const sid = 'console:corrupt';
    const { history } = sessionKeys(prefix, sid);
    await store.append(sid, [message('one'), message('two')]);
    await client.rpush(history, '{"role":"user","content":"secret text', '42', '{"role":"robot"}');
    await store.append(sid, [message('three')]);
    await client.rpush(history, 'not json at all: secret text');
    await store.append(sid, [message('four')]);

    expect((await store.load(sid)).map((stored) => stored.content)).toEqual(['one', 'two', 'three', 'four']);
    expect((await store.load(sid, { maxMessages: 3 })).map((stored) => stored.content)).toEqual([
      'two',
      'three',
      'four',
    ]);
    expect((await store.load(sid, { maxTokens: 25 })).map((stored) => stored.content)).toEqual([
      'three',
      'four',
    ]);
    const warnings = records().filter((record) => record.msg === 'skipping corrupt history entry');
    expect(warnings.length).toBeGreaterThanOrEqual(4);
    expect(warnings[0]).toMatchObject({ sessionId: sid, index: 2, level: 40 });
    expect(JSON.stringify(records())).not.toContain('secret text');
    // The count is of stored entries, corrupt ones included; a commit still works on such a history.
    expect(await store.count(sid)).toBe(8);
    expect(await store.commitTurn(sid, { seq: 1, messages: [message('five')] })).toBe(true);
  });

  it('propagates Redis errors and leaves the session untouched when a commit fails', async () => {
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix }));
    const keys = sessionKeys(prefix, 'slack:T:C');
    await client.set(keys.history, 'not a list');
    await expect(store.load('slack:T:C')).rejects.toThrow(/WRONGTYPE/);
    await expect(store.load('slack:T:C', { maxMessages: 2 })).rejects.toThrow(/WRONGTYPE/);
    await expect(store.append('slack:T:C', [message('x')])).rejects.toThrow(/WRONGTYPE/);
    await expect(
      store.commitTurn('slack:T:C', {
        seq: 1,
        messages: [message('x')],
        usage: { promptTokens: 1, completionTokens: 1, costUsd: 1 },
      }),
    ).rejects.toThrow(/WRONGTYPE/);
    expect(await client.exists(keys.meta)).toBe(0);

    await client.del(keys.history);
    await client.hset(keys.meta, 'calls', 'many');
    await expect(
      store.commitTurn('slack:T:C', {
        seq: 1,
        messages: [message('x')],
        usage: { promptTokens: 1, completionTokens: 1, costUsd: 1 },
      }),
    ).rejects.toThrow(/corrupt session meta/);
    expect(await client.exists(keys.history)).toBe(0);
    expect(await client.hgetall(keys.meta)).toEqual({ calls: 'many' });
  });

  it('sends the commit script by SHA, uploading its text at most once per connection', async () => {
    const connection = server.client();
    try {
      const store = track(createRedisHistoryStore({ redis: connection, prefix: newPrefix() }));
      await client.config('RESETSTAT');
      for (let seq = 1; seq <= 5; seq += 1) {
        expect(await store.commitTurn('console:sha', { seq, messages: [message(`t${seq}`)] })).toBe(true);
      }
      const stats = await client.info('commandstats');
      const calls = (command: string) =>
        Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      expect(calls('eval')).toBeLessThanOrEqual(1);
      expect(calls('eval') + calls('evalsha')).toBe(5);
    } finally {
      await connection.quit();
    }
  });

  it('close() leaves a shared client open and quits a client it created', async () => {
    const shared = track(createRedisHistoryStore({ redis: client, prefix: newPrefix() }));
    await shared.close();
    expect(await client.ping()).toBe('PONG');

    const connectionName = `history-${randomUUID().slice(0, 8)}`;
    const owned = createRedisHistoryStore({
      url: server.url,
      prefix: newPrefix(),
      redisOptions: { connectionName },
    });
    await owned.count('console:x');
    expect(await client.client('LIST')).toContain(`name=${connectionName}`);
    await owned.close();
    await owned.close();
    await vi.waitFor(async () => expect(await client.client('LIST')).not.toContain(`name=${connectionName}`));
  });
});

describe('Redis history store durability', () => {
  let server: TestRedis;

  beforeAll(async () => {
    server = await startTestRedis({ appendonly: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('keeps history, meta and committed seq across a hard Redis restart with AOF', async () => {
    const prefix = newPrefix();
    const sid = 'slack:T:C:1700000000.000100';
    const store = createRedisHistoryStore({ url: server.url, prefix });
    try {
      const turns = [
        message('q1'),
        message('a1', 5, 'assistant'),
        message('q2 ✓ 🦀'),
        message('a2', 5, 'assistant'),
      ];
      await store.commitTurn(sid, {
        seq: 1,
        messages: turns.slice(0, 2),
        usage: { promptTokens: 10, completionTokens: 5, costUsd: 0.01 },
      });
      await store.commitTurn(sid, {
        seq: 2,
        messages: turns.slice(2),
        usage: { promptTokens: 20, completionTokens: 5, costUsd: null },
      });
      await store.setMeta(sid, { persona: 'crab', summary: 'two turns' });
      const metaBefore = await store.getMeta(sid);

      await server.stop({ hard: true });
      await server.restart();

      // A brand-new connection sees everything that was acknowledged before the kill.
      const fresh = createRedisHistoryStore({ url: server.url, prefix });
      try {
        expect(await fresh.load(sid)).toEqual(turns);
        expect(await fresh.getMeta(sid)).toEqual(metaBefore);
        expect(metaBefore.usage).toEqual({ promptTokens: 30, completionTokens: 10, costUsd: 0.01, calls: 2 });
        expect(await fresh.committedSeq(sid)).toBe(2);
      } finally {
        await fresh.close();
      }

      // The original store reconnects by itself; the restarted server has no scripts cached, and a
      // replayed turn is still recognised as already committed.
      expect(await store.commitTurn(sid, { seq: 2, messages: [message('replayed')] })).toBe(false);
      expect(await store.commitTurn(sid, { seq: 3, messages: [message('q3')] })).toBe(true);
      expect((await store.load(sid, { maxMessages: 2 })).map((stored) => stored.content)).toEqual([
        'a2',
        'q3',
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('Redis history store without a reachable Redis', () => {
  let silent: Server | undefined;
  const sockets: Socket[] = [];

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  });

  it('rejects when nothing listens, instead of waiting forever', async () => {
    const port = await freePort();
    const store = createRedisHistoryStore({
      url: `redis://127.0.0.1:${port}`,
      prefix: newPrefix(),
      redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 },
    });
    await expect(store.load('console:x', { maxMessages: 5 })).rejects.toThrow();
    await expect(store.commitTurn('console:x', { seq: 1, messages: [message('x')] })).rejects.toThrow();
    await store.close();
  });

  it('rejects when Redis accepts the connection but never answers (command timeout)', async () => {
    silent = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const store = createRedisHistoryStore({
      url: `redis://127.0.0.1:${port}`,
      prefix: newPrefix(),
      redisOptions: {
        enableReadyCheck: false,
        commandTimeout: 200,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      },
    });
    await expect(store.getMeta('console:x')).rejects.toThrow(/timed out/i);
    await expect(store.commitTurn('console:x', { seq: 1, messages: [message('x')] })).rejects.toThrow(
      /timed out/i,
    );
    // Hang up on it so the store's own connection ends and close() does not wait for a QUIT reply.
    for (const socket of sockets) socket.destroy();
    await vi.waitFor(() => expect(sockets.every((socket) => socket.destroyed)).toBe(true));
    await store.close().catch(() => {});
  });
});

/** Reference for the token limit: the newest contiguous messages whose tokens add up to at most `budget`. */
function newestWithin(history: StoredMessage[], budget: number): StoredMessage[] {
  let start = history.length;
  let tokens = 0;
  while (start > 0 && tokens + history[start - 1]!.tokens <= budget) {
    tokens += history[start - 1]!.tokens;
    start -= 1;
  }
  return history.slice(start);
}
