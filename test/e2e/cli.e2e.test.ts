import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryStore, StoredMessage } from '../../src/history/history-store.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';

const run = promisify(execFile);
let redis: TestRedis;
let store: HistoryStore;
const prefix = 'cli-e2e';
const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));

const message = (role: 'user' | 'assistant', content: string, at: number): StoredMessage => ({
  role,
  content,
  at,
  tokens: 5 + content.length,
  ...(role === 'user' ? { author: { id: 'U1', name: 'Alice' } } : {}),
});

async function parley(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/parley.js', ...args], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, REDIS_PREFIX: prefix, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  redis = await startTestRedis();
  store = createRedisHistoryStore({ url: redis.url, prefix });
  await store.commitTurn('slack:T1:C1:100.1', {
    seq: 1,
    messages: [message('user', 'My name is Alice 👋', 1_000), message('assistant', 'Hello Alice!', 2_000)],
    usage: { promptTokens: 10, completionTokens: 3, costUsd: 0.001 },
  });
  await store.setMeta('slack:T1:C1:100.1', { summary: 'Alice said hello.', persona: 'Be brief.' });
  await store.commitTurn('console:bob', { seq: 1, messages: [message('user', 'hi', 500)] });
});
afterAll(async () => {
  await store?.close();
  await redis?.close();
});

describe('parley CLI', () => {
  it('lists sessions, most recently active first', async () => {
    const { code, stdout } = await parley(['sessions']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => line.split(/\s+/)[1])).toEqual(
      expect.arrayContaining(['slack:T1:C1:100.1', 'console:bob']),
    );
  });

  it('round-trips export → import identically', async () => {
    const file = join(dir, 'alice.json');
    expect((await parley(['export', 'slack:T1:C1:100.1', '--out', file])).code).toBe(0);
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(exported).toMatchObject({
      format: 'parley.session.v1',
      summary: 'Alice said hello.',
      persona: 'Be brief.',
    });
    expect(exported.messages).toHaveLength(2);

    const imported = await parley(['import', file, '--session', 'console:copy']);
    expect(imported.stdout).toContain('Imported 2 messages into console:copy');
    const again = JSON.parse((await parley(['export', 'console:copy'])).stdout);
    for (const key of ['messages', 'summary', 'persona'] as const) expect(again[key]).toEqual(exported[key]);

    const refused = await parley(['import', file, '--session', 'console:copy']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--force');
  });

  it('forks a conversation into an independent session', async () => {
    const forked = await parley(['fork', 'slack:T1:C1:100.1', 'console:branch']);
    expect(forked.stdout).toContain('Forked');
    await store.append('console:branch', [message('user', 'only in the branch', 3_000)]);
    expect(await store.count('console:branch')).toBe(3);
    expect((await store.load('slack:T1:C1:100.1')).map((m) => m.content)).not.toContain('only in the branch');
  });

  it('forgets a session', async () => {
    await parley(['fork', 'console:bob', 'console:gone']);
    expect((await parley(['forget', 'console:gone'])).code).toBe(0);
    expect(await store.count('console:gone')).toBe(0);
    expect((await parley(['sessions'])).stdout).not.toContain('console:gone');
  });

  it('explains bad input instead of crashing', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format":"something else"}');
    const notExport = await parley(['import', bad]);
    expect(notExport.code).toBe(1);
    expect(notExport.stderr).toContain('not a Parley session export');
    expect((await parley(['export', 'slack:T1:bad{id}'])).stderr).toContain('malformed session ID');
    const noRedis = await parley(['sessions'], { REDIS_URL: '' });
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toContain('REDIS_URL is not set');
    expect((await parley(['frobnicate'])).code).toBe(2);
  });

  it('an unknown session is an error that names the closest stored ones', async () => {
    const typo = await parley(['export', 'slack:T1:C1:100.2']);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toContain(
      'there is no stored conversation slack:T1:C1:100.2; did you mean slack:T1:C1:100.1',
    );
    const missing = await parley(['forget', 'console:nobody-at-all-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no stored conversation console:nobody-at-all-here');
    expect(missing.stdout).not.toContain('Forgot');
  });

  it('shows its usage before asking for REDIS_URL', async () => {
    const bare = await parley(['export'], { REDIS_URL: '' });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: parley');
    expect(bare.stderr).not.toContain('REDIS_URL is not set');
  });

  it('says plainly when Redis cannot be reached', async () => {
    const unreachable = await parley(['sessions'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot connect to Redis at 127.0.0.1:1: ECONNREFUSED');
    expect(unreachable.stderr).not.toContain('max retries');
  });

  it('export --with-images embeds the images by hash, and import puts them back byte for byte', async () => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, index) => (index * 131) % 256);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const attachments = [
      {
        name: 'plot.png',
        kind: 'image' as const,
        mimeType: 'image/png',
        sizeBytes: 4096,
        sha256,
        tokens: 85,
      },
      {
        name: 'notes.txt',
        kind: 'text' as const,
        mimeType: 'text/plain',
        text: '```notes.txt\nhi\n```',
        tokens: 9,
      },
    ];
    await store.putImage('console:pictures', { sha256, mimeType: 'image/png', bytes });
    await store.commitTurn('console:pictures', {
      seq: 1,
      messages: [{ ...message('user', 'what is in this plot?', 4_000), attachments }],
    });

    const plain = JSON.parse((await parley(['export', 'console:pictures'])).stdout);
    expect(plain.messages[0].attachments).toEqual(attachments);
    expect(plain.images).toBeUndefined();

    const file = join(dir, 'pictures.json');
    const exported = await parley(['export', 'console:pictures', '--with-images', '--out', file]);
    expect(exported.stderr).toContain('Exported 1 messages and 1 images of console:pictures');
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(data.images).toEqual({
      [sha256]: { mimeType: 'image/png', base64: Buffer.from(bytes).toString('base64') },
    });

    const imported = await parley(['import', file, '--session', 'console:pictures-copy']);
    expect(imported.stdout).toContain('Imported 1 messages, 1 images into console:pictures-copy');
    expect(await store.load('console:pictures-copy')).toEqual(await store.load('console:pictures'));
    const copy = (await store.loadImages('console:pictures-copy', [sha256])).get(sha256);
    expect(copy?.mimeType).toBe('image/png');
    expect(Buffer.from(copy!.bytes).equals(Buffer.from(bytes))).toBe(true);

    data.images[sha256].base64 = Buffer.from('not the image').toString('base64');
    writeFileSync(file, JSON.stringify(data));
    const tampered = await parley(['import', file, '--session', 'console:pictures-bad']);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('do not match their sha256');
  });
});

describe('parley CLI: where imports and exports go', () => {
  it("lists imported and forked sessions at once and puts them in their channel's scope", async () => {
    await store.commitTurn('slack:T2:C5:100.1', {
      seq: 1,
      messages: [message('user', 'Plan the offsite', 3_000), message('assistant', 'Sure.', 4_000)],
      scopeId: 'slack:T2:C5',
    });
    const file = join(dir, 'offsite.json');
    expect((await parley(['export', 'slack:T2:C5:100.1', '--out', file])).code).toBe(0);
    const imported = await parley(['import', file, '--session', 'slack:T2:C5:200.2']);
    expect(imported.stdout).toContain('Imported 2 messages into slack:T2:C5:200.2');
    expect((await parley(['fork', 'slack:T2:C5:100.1', 'slack:T2:C5:300.3'])).code).toBe(0);
    // A Discord thread's channel is not in its ID: --scope names it.
    const forked = await parley(['fork', 'slack:T2:C5:100.1', 'discord:G1:TH9', '--scope', 'discord:G1:CH1']);
    expect(forked.code).toBe(0);

    const listed = (await parley(['sessions'])).stdout;
    for (const sessionId of ['slack:T2:C5:200.2', 'slack:T2:C5:300.3', 'discord:G1:TH9']) {
      expect(listed).toContain(sessionId);
    }
    expect(await store.sessionsInScope('slack:T2:C5')).toEqual([
      'slack:T2:C5:100.1',
      'slack:T2:C5:200.2',
      'slack:T2:C5:300.3',
    ]);
    expect(await store.sessionsInScope('discord:G1:CH1')).toEqual(['discord:G1:TH9']);
    // The channel's /forget now reaches the imported copies too.
    await store.forgetScope('slack:T2:C5', { before: Date.now() });
    expect((await parley(['sessions'])).stdout).not.toContain('slack:T2:C5');
  });

  it('export writes into a folder given to --out, or to stdout with --out -', async () => {
    const exportDir = join(dir, 'exports', 'nested');
    const intoFolder = await parley(['export', 'console:bob', '--out', `${exportDir}/`]);
    expect(intoFolder.stderr).toContain(`to ${join(exportDir, 'parley-console_bob.json')}`);
    expect(JSON.parse(readFileSync(join(exportDir, 'parley-console_bob.json'), 'utf8')).sessionId).toBe(
      'console:bob',
    );
    expect(JSON.parse((await parley(['export', 'console:bob', '--out', '-'])).stdout).sessionId).toBe(
      'console:bob',
    );
  });

  it('at a terminal, export saves into ./parley-exports (or EXPORT_DIR), created when missing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'parley-cwd-'));
    const atTerminal = async (env: Record<string, string>) => {
      const { stdout } = await run(
        'python3',
        [
          join(process.cwd(), 'test/helpers/pty-relay.py'),
          process.execPath,
          join(process.cwd(), 'bin/parley.js'),
          'export',
          'console:bob',
        ],
        { cwd, env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, REDIS_PREFIX: prefix, ...env } },
      );
      return stdout;
    };
    expect(await atTerminal({})).toContain(`to ${join(cwd, 'parley-exports', 'parley-console_bob.json')}`);
    expect(
      JSON.parse(readFileSync(join(cwd, 'parley-exports', 'parley-console_bob.json'), 'utf8')).sessionId,
    ).toBe('console:bob');
    expect(await atTerminal({ EXPORT_DIR: 'saved' })).toContain(
      `to ${join(cwd, 'saved', 'parley-console_bob.json')}`,
    );
  });
});
