import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Command, Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/app/logger.ts';
import type { HistoryStore, StoredMessage } from '../../src/history/history-store.ts';
import { historyIndexKeys, historyKeys } from '../../src/history/redis/history-keys.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
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
    await store.commitTurn('slack:T:C:1.1', {
      seq: 1,
      messages: [],
      scopeId: 'slack:T:C',
      responseId: 'resp_1',
    });

    const keys = await client.keys('*');
    expect(keys.sort()).toEqual(
      [
        `${prefix}:{s:discord:dm:42}:history`,
        `${prefix}:{s:discord:dm:42}:meta`,
        `${prefix}:{s:slack:T:C}:history`,
        `${prefix}:{s:slack:T:C}:meta`,
        `${prefix}:{s:slack:T:C:1.1}:meta`,
        `${prefix}:{idx}:sessions`,
        `${prefix}:{idx}:scope:slack:T:C`,
      ].sort(),
    );
    const index = historyIndexKeys(prefix);
    expect(await client.zrange(index.sessions, 0, -1)).toEqual(['slack:T:C', 'slack:T:C:1.1']);
    expect(await client.smembers(index.scope('slack:T:C'))).toEqual(['slack:T:C:1.1']);
    expect(await client.hgetall(historyKeys(prefix, 'slack:T:C:1.1').meta)).toMatchObject({
      scopeId: 'slack:T:C',
      responseId: 'resp_1',
      historyTokens: '0',
    });
    expect(await client.hgetall(historyKeys(prefix, 'discord:dm:42').meta)).toEqual({ historyTokens: '10' });
    const layout = historyKeys(prefix, 'slack:T:C');
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
        'historyTokens',
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
      historyTokens: '13',
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

    // Record every LRANGE the store sends, and the newest-page script's page (its one key is the history, its
    // argument the page size), as [first, last] head-relative indices.
    const ranges: [number, number][] = [];
    const sendCommand = client.sendCommand.bind(client);
    vi.spyOn(client, 'sendCommand').mockImplementation((command: Command, ...rest) => {
      if (command.name === 'lrange') {
        const [, start, end] = command.args.map(Number) as [number, number, number];
        ranges.push([start < 0 ? 10_000 + start : start, end < 0 ? 10_000 + end : end]);
      }
      const [, keys, key, pageSize] = command.args.map(String);
      if (
        (command.name === 'evalsha' || command.name === 'eval') &&
        keys === '1' &&
        key?.endsWith(':history')
      )
        ranges.push([10_000 - Number(pageSize), 9_999]);
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
    const { history } = historyKeys(prefix, sid);
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
    const keys = historyKeys(prefix, 'slack:T:C');
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

  it('restarts the retention TTL of history and meta with every write', async () => {
    const prefix = newPrefix();
    const ttlMs = 600_000;
    const store = track(createRedisHistoryStore({ redis: client, prefix, historyTtlMs: ttlMs }));
    const sid = 'slack:T:C:5.5';
    const { history, meta } = historyKeys(prefix, sid);
    const index = historyIndexKeys(prefix);
    const expectFreshTtl = async (key: string) => {
      const remaining = await client.pttl(key);
      expect(remaining).toBeGreaterThan(ttlMs - 60_000);
      expect(remaining).toBeLessThanOrEqual(ttlMs);
    };
    /** Shortens both TTLs, runs a write, and checks that it restored them. */
    const refreshedBy = async (write: () => Promise<unknown>) => {
      await client.pexpire(history, 120_000);
      await client.pexpire(meta, 120_000);
      await write();
      await expectFreshTtl(history);
      await expectFreshTtl(meta);
    };

    await store.commitTurn(sid, { seq: 1, messages: [message('a'), message('b')], scopeId: 'slack:T:C' });
    await expectFreshTtl(history);
    await expectFreshTtl(meta);
    await expectFreshTtl(index.scope('slack:T:C'));
    expect(await client.pttl(index.sessions)).toBe(-1);
    await refreshedBy(() => store.commitTurn(sid, { seq: 2, messages: [message('c')] }));
    await refreshedBy(() => store.append(sid, [message('d')]));
    await refreshedBy(() => store.replace(sid, [message('a'), message('b')]));
    await refreshedBy(() => store.setMeta(sid, { persona: 'p' }));
    await refreshedBy(() =>
      store.compact(sid, { dropCount: 1, lastDropped: message('a'), droppedTokens: 10, summary: 's' }),
    );
    const edited = { ...message('g'), ref: '7.7' };
    await refreshedBy(() => store.commitTurn(sid, { seq: 3, dropLast: 1, messages: [edited] }));
    await refreshedBy(() => store.amendMessage(sid, '7.7', { ...edited, content: 'g, edited' }));
    await refreshedBy(() => store.follow(sid));
    // What forget keeps (the committed seq) expires with the retention period too.
    await store.forget(sid);
    expect(await client.hgetall(meta)).toEqual({ committedSeq: '3' });
    await expectFreshTtl(meta);
    // Following a session without history renews its meta hash, creating no history.
    await client.pexpire(meta, 120_000);
    await store.follow(sid);
    await expectFreshTtl(meta);
    expect(await client.exists(history)).toBe(0);

    // Retention in days, and none at all: a write without retention removes a TTL left by an earlier setting.
    const daily = track(createRedisHistoryStore({ redis: client, prefix, historyTtlDays: 30 }));
    await daily.commitTurn(sid, { seq: 4, messages: [message('e')] });
    expect(await client.pttl(history)).toBeGreaterThan(29 * 86_400_000);
    const forever = track(createRedisHistoryStore({ redis: client, prefix }));
    await forever.follow(sid);
    expect(await client.pttl(meta)).toBe(-1);
    await daily.follow(sid);
    await forever.commitTurn(sid, { seq: 5, messages: [message('f')], scopeId: 'slack:T:C' });
    expect(await client.pttl(history)).toBe(-1);
    expect(await client.pttl(meta)).toBe(-1);
    expect(await client.pttl(index.scope('slack:T:C'))).toBe(-1);
  });

  it('a commit under a scope renews the scope session and forget mark, creating no key for them', async () => {
    const prefix = newPrefix();
    const ttlMs = 600_000;
    const store = track(createRedisHistoryStore({ redis: client, prefix, historyTtlMs: ttlMs }));
    const scope = historyKeys(prefix, 'slack:T:C');
    await store.commitTurn('slack:T:C:1.1', { seq: 1, messages: [message('a')], scopeId: 'slack:T:C' });
    expect(await client.exists(scope.history, scope.meta, scope.forgotten)).toBe(0);

    await store.commitTurn('slack:T:C', { seq: 1, messages: [message('top')] });
    await store.setMeta('slack:T:C', { persona: 'pirate' });
    await client.set(scope.forgotten, '5', 'PX', 1_000);
    for (const key of [scope.history, scope.meta]) await client.pexpire(key, 1_000);
    await store.commitTurn('slack:T:C:1.1', { seq: 2, messages: [message('b')], scopeId: 'slack:T:C' });
    for (const key of [scope.history, scope.meta, scope.forgotten]) {
      expect(await client.pttl(key), key).toBeGreaterThan(ttlMs - 60_000);
    }
  });

  it('forgetScope leaves one mark key per scope: expiring with retention, kept without', async () => {
    const prefix = newPrefix();
    const forever = track(createRedisHistoryStore({ redis: client, prefix }));
    await forever.commitTurn('slack:T:C:1.1', { seq: 3, messages: [message('a')], scopeId: 'slack:T:C' });
    expect(await forever.forgetScope('slack:T:C', { before: 1_750_000_000_123 })).toEqual(['slack:T:C:1.1']);
    const mark = historyKeys(prefix, 'slack:T:C').forgotten;
    expect((await client.keys(`${prefix}:*`)).sort()).toEqual(
      [mark, historyKeys(prefix, 'slack:T:C:1.1').meta].sort(),
    );
    expect(await client.get(mark)).toBe('1750000000123');
    expect(await client.pttl(mark)).toBe(-1);
    const retained = track(createRedisHistoryStore({ redis: client, prefix, historyTtlMs: 600_000 }));
    await retained.forgetScope('slack:T:C', { before: 1 });
    expect(await client.get(mark)).toBe('1750000000123');
    expect(await client.pttl(mark)).toBeGreaterThan(500_000);
  });

  it('prunes index entries past the retention period when listing', async () => {
    let time = 1_750_000_000_000;
    const prefix = newPrefix();
    const store = track(
      createRedisHistoryStore({ redis: client, prefix, historyTtlDays: 1, now: () => time }),
    );
    await store.commitTurn('console:old', { seq: 1, messages: [message('a')] });
    time += 12 * 3_600_000;
    await store.commitTurn('console:new', { seq: 1, messages: [message('b')] });
    time += 12 * 3_600_000;
    expect(await store.listSessions()).toEqual([
      { sessionId: 'console:new', lastActiveAt: time - 12 * 3_600_000 },
    ]);
    expect(await client.zrange(historyIndexKeys(prefix).sessions, 0, -1)).toEqual(['console:new']);
  });

  it('checks stored data before writing in every session script', async () => {
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix }));
    const sid = 'console:corrupt-meta';
    const { history, meta } = historyKeys(prefix, sid);
    await store.append(sid, [message('kept')]);
    await client.hset(meta, 'historyTokens', 'lots');
    const stored = async () => ({
      history: await client.lrange(history, 0, -1),
      meta: await client.hgetall(meta),
    });
    const before = await stored();
    const kept = (await store.load(sid))[0]!;
    for (const write of [
      () => store.append(sid, [message('x')]),
      () => store.replace(sid, [message('x')]),
      () => store.clear(sid),
      () => store.commitTurn(sid, { seq: 1, clear: true, messages: [message('x')] }),
      () => store.compact(sid, { dropCount: 1, lastDropped: kept, droppedTokens: 1, summary: 's' }),
      () => store.commitTurn(sid, { seq: 1, dropLast: 1, messages: [] }),
      () => store.amendMessage(sid, 'any', null),
      () => store.amendMessage(sid, 'any', message('x')),
    ]) {
      await expect(write()).rejects.toThrow(/corrupt session meta .*historyTokens/);
      expect(await stored()).toEqual(before);
    }

    await client.del(meta);
    await client.del(history);
    await client.set(history, 'not a list');
    await expect(store.replace(sid, [message('x')])).rejects.toThrow(/WRONGTYPE/);
    await expect(store.clear(sid)).rejects.toThrow(/WRONGTYPE/);
    await expect(store.amendMessage(sid, 'any', null)).rejects.toThrow(/WRONGTYPE/);
    expect(await client.exists(meta)).toBe(0);
    expect(await client.get(history)).toBe('not a list');

    // Forgetting works whatever state the session is in, keeping the committed seq as stored.
    await client.hset(meta, { committedSeq: '4', calls: 'many', persona: 'p' });
    await store.forget(sid);
    expect(await client.exists(history)).toBe(0);
    expect(await client.hgetall(meta)).toEqual({ committedSeq: '4' });
  });

  it('keeps an image as one binary hash under the session tag, named in its images set', async () => {
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix, historyTtlMs: 60_000 }));
    const sid = 'console:pictures';
    const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x80, 0xc0, 0x0a]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await store.commitTurn(sid, { seq: 1, messages: [message('hi')] });
    expect(await store.putImage(sid, { sha256, mimeType: 'image/png', bytes })).toBe(true);
    const layout = historyKeys(prefix, sid);
    expect(layout.image(sha256)).toBe(`${prefix}:{s:${sid}}:image:${sha256}`);
    expect(await client.smembers(layout.images)).toEqual([layout.image(sha256)]);
    expect(await client.hkeys(layout.image(sha256))).toEqual(['mimeType', 'bytes']);
    expect((await client.hgetBuffer(layout.image(sha256), 'bytes'))?.equals(Buffer.from(bytes))).toBe(true);
    // A put renews the conversation it belongs to.
    for (const key of [layout.image(sha256), layout.images, layout.history, layout.meta]) {
      expect(await client.pttl(key)).toBeGreaterThan(59_000);
    }
    await store.forget(sid);
    expect(await client.keys(`${prefix}:{s:${sid}}:image*`)).toEqual([]);
  });

  it('refuses a reset over an images key of the wrong type before writing; forget still deletes it', async () => {
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix }));
    const sid = 'console:corrupt-images';
    const { history, images } = historyKeys(prefix, sid);
    await store.commitTurn(sid, { seq: 1, messages: [message('kept')] });
    await client.set(images, 'not a set');
    await expect(store.clear(sid)).rejects.toThrow(/WRONGTYPE/);
    await expect(store.commitTurn(sid, { seq: 2, clear: true, messages: [] })).rejects.toThrow(/WRONGTYPE/);
    expect(await client.llen(history)).toBe(1);
    await store.forget(sid);
    expect(await client.exists(history, images)).toBe(0);
    expect(await store.committedSeq(sid)).toBe(1);
  });

  it('amends and drops messages around corrupt entries, leaving those before them in place', async () => {
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix }));
    const sid = 'console:amend-corrupt';
    const { history, meta } = historyKeys(prefix, sid);
    const first = { ...message('first'), ref: 'a' };
    // Looks like a ref only inside its content; cjson cannot read a lone surrogate as JSON.parse does.
    const second = { ...message('"ref":"c" lone \ud800 surrogate'), ref: 'b' };
    const third = { ...message('third \udfff'), ref: 'c' };
    await store.append(sid, [first, second]);
    await client.rpush(history, '{"role":"user","content":"x","at":1,"tokens":1,"ref":"c"', '{"ref":"c"}');
    await store.append(sid, [third]);
    await client.rpush(history, 'garbage', '{"role":"user","content":"x","at":1,"tokens":NaN,"ref":"c"}');
    const entries = async () => client.lrange(history, 0, -1);
    expect(await entries()).toHaveLength(7);

    const edited = { ...third, content: 'third, edited \ud800', tokens: 4 };
    expect(await store.amendMessage(sid, 'c', edited)).toBe(0);
    expect(await store.load(sid)).toEqual([first, second, edited]);
    expect(await store.amendMessage(sid, 'b', { ...second, tokens: 10 })).toBe(1);
    expect(await store.amendMessage(sid, 'a', null)).toBe(2);
    expect(await store.load(sid)).toEqual([second, edited]);
    expect((await entries()).slice(1, 3)).toEqual([
      '{"role":"user","content":"x","at":1,"tokens":1,"ref":"c"',
      '{"ref":"c"}',
    ]);
    expect(await client.hget(meta, 'historyTokens')).toBe('14');

    // The newest message and the unreadable entries after it go; the ones before it stay.
    const again = { ...message('again'), ref: 'c' };
    expect(await store.commitTurn(sid, { seq: 1, dropLast: 1, messages: [again] })).toBe(true);
    expect(await store.load(sid)).toEqual([second, again]);
    expect(await entries()).toHaveLength(4);
    expect(await client.hget(meta, 'historyTokens')).toBe('20');
    expect(await store.amendMessage(sid, 'b', null)).toBe(1);
    expect(await store.amendMessage(sid, 'c', null)).toBe(0);
    expect(await entries()).toHaveLength(2);
    // Nothing counted is left, so no count is kept either.
    expect(await client.hexists(meta, 'historyTokens')).toBe(0);
  });

  it('keeps the follow mark as one meta field: a reset commit keeps it, forgetting drops it', async () => {
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix }));
    const sid = 'slack:T:C:8.8';
    const { meta } = historyKeys(prefix, sid);
    await store.follow(sid);
    expect(await client.hgetall(meta)).toEqual({ followed: '1' });
    await store.commitTurn(sid, { seq: 1, clear: true, messages: [message('x')] });
    expect(await client.hget(meta, 'followed')).toBe('1');
    await store.commitTurn(sid, { seq: 2, forget: true, messages: [] });
    expect(await client.hget(meta, 'followed')).toBeNull();
    await store.follow(sid);
    await store.forget(sid);
    expect(await client.hgetall(meta)).toEqual({ committedSeq: '2' });
  });

  it('compares the stored bytes when compacting: odd content matches, a corrupt head refuses', async () => {
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix }));
    const sid = 'console:bytes';
    const odd = [
      message('lone \ud800 surrogate, "quotes", \\ and \u0000'),
      { ...message('emoji 👩‍👩‍👧‍👦'), author: { id: 'U 2', name: 'Zoë "Z" 🐙' } },
      message('tail'),
    ];
    await store.append(sid, odd);
    const oldest = await store.loadOldest(sid, 2);
    expect(oldest).toEqual(odd.slice(0, 2));
    expect(
      await store.compact(sid, { dropCount: 2, lastDropped: oldest[1]!, droppedTokens: 20, summary: 's' }),
    ).toBe(true);
    expect(await store.load(sid)).toEqual(odd.slice(2));

    // loadOldest skips a corrupt entry as load does; the compaction it would lead to is refused, not misapplied.
    const { history } = historyKeys(prefix, 'console:corrupt-head');
    await client.rpush(history, 'garbage', JSON.stringify(message('one')), JSON.stringify(message('two')));
    const parsed = await store.loadOldest('console:corrupt-head', 2);
    expect(parsed.map((stored) => stored.content)).toEqual(['one']);
    expect(
      await store.compact('console:corrupt-head', {
        dropCount: parsed.length,
        lastDropped: parsed[0]!,
        droppedTokens: 10,
        summary: 's',
      }),
    ).toBe(false);
    expect(await client.llen(history)).toBe(3);
  });

  it('a commit whose index update fails is still applied, and the failure is logged', async () => {
    const { logger, records } = capturingLogger();
    const prefix = newPrefix();
    const store = track(createRedisHistoryStore({ redis: client, prefix, logger }));
    const index = historyIndexKeys(prefix);
    await client.set(index.sessions, 'not a sorted set');
    expect(await store.commitTurn('console:i', { seq: 1, messages: [message('kept')] })).toBe(true);
    expect((await store.load('console:i')).map((stored) => stored.content)).toEqual(['kept']);
    expect(
      records().find((record) => record.msg?.toString().includes('session index not updated')),
    ).toMatchObject({
      sessionId: 'console:i',
      level: 40,
    });
    // The next commit repairs the index.
    await client.del(index.sessions);
    await store.commitTurn('console:i', { seq: 2, messages: [] });
    expect((await store.listSessions()).map((listing) => listing.sessionId)).toEqual(['console:i']);
  });

  it('sends the commit and index scripts by SHA, uploading each text at most once per connection', async () => {
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
      // Each commit runs two scripts (the commit and the session index), each uploaded once.
      expect(calls('eval')).toBeLessThanOrEqual(2);
      expect(calls('eval') + calls('evalsha')).toBe(10);
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
