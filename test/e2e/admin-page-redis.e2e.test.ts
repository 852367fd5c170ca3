import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import type { StoredMessage } from '../../src/history/history-store.ts';
import { usageDay } from '../../src/usage/usage-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { launchHeadlessBrowser } from '../helpers/headless-browser.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startTestParley } from '../helpers/test-parley.ts';

const TOKEN = 'admin-redis-e2e-token-42';
const DAY = 86_400_000;
const CONVERSATIONS = 45;

let model: FakeOpenAI;
let redis: TestRedis;
let browser: Browser;
let parley: RunningParley;
let base: string;
const now = Date.now();

const id = (index: number) => `console:conv-${String(index).padStart(2, '0')}`;
const message = (content: string): StoredMessage => ({ role: 'user', content, at: now, tokens: 3 });

beforeAll(async () => {
  [model, redis, browser] = await Promise.all([startFakeOpenAI(), startTestRedis(), launchHeadlessBrowser()]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'admin-e2e',
    ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
  });
  base = `http://127.0.0.1:${parley.httpPort}`;
  // What a month of terminal conversations leaves behind: conversation i cost (i + 1) × 100 µUSD, i days ago mod 30.
  for (let index = 0; index < CONVERSATIONS; index++) {
    const usage = { promptTokens: 10 + index, completionTokens: 5, costUsd: (index + 1) / 10_000 };
    await parley.store.commitTurn(id(index), { seq: 1, messages: [message(`turn ${index}`)], usage });
    await parley.ledger.record({
      scopeId: id(index),
      userId: `U${index % 4}`,
      at: now - (index % 30) * DAY,
      usage,
    });
  }
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), redis?.close()]);
});

describe('the operator page on Redis', () => {
  it('aggregates the ledger per day and pages channels and conversations independently', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
    try {
      const page = await context.newPage();
      expect((await page.goto(`${base}/admin`))?.status()).toBe(200);
      // Day k ago holds the conversations with index ≡ k (mod 30).
      for (const daysAgo of [0, 7, 14]) {
        const indexes = Array.from({ length: CONVERSATIONS }, (_, index) => index).filter(
          (index) => index % 30 === daysAgo,
        );
        const cost = indexes.reduce((sum, index) => sum + (index + 1) * 100, 0);
        const row = `#daily-table tr[data-day="${usageDay(now - daysAgo * DAY)}"]`;
        await expect(page.locator(`${row} [data-field=cost]`).getAttribute('data-value')).resolves.toBe(
          String(cost),
        );
        await expect(page.locator(`${row} [data-field=calls]`).getAttribute('data-value')).resolves.toBe(
          String(indexes.length),
        );
      }
      const channelIds = () =>
        page
          .locator('#channels-table tbody tr')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
      await expect(channelIds()).resolves.toEqual(Array.from({ length: 20 }, (_, rank) => id(44 - rank)));
      await expect(page.locator('#conversation-count').getAttribute('data-value')).resolves.toBe('45');

      await page.click('#channels nav.pager a[rel=next]');
      expect(new URL(page.url()).searchParams.get('channels')).toBe('2');
      await expect(channelIds()).resolves.toEqual(Array.from({ length: 20 }, (_, rank) => id(24 - rank)));
      await expect(page.locator('#channels nav.pager').textContent()).resolves.toContain('page 2 of 3');
      const listed = (await parley.store.listSessions()).map((session) => session.sessionId);
      const conversationIds = () =>
        page
          .locator('#conversations-table tbody tr')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
      await expect(conversationIds()).resolves.toEqual(listed.slice(0, 20));

      await page.click('#conversations nav.pager a[rel=next]');
      await page.click('#conversations nav.pager a[rel=next]');
      await expect(conversationIds()).resolves.toEqual(listed.slice(40));
      // The channel table stayed on its page while the conversations moved on.
      expect(new URL(page.url()).searchParams.get('channels')).toBe('2');
      await expect(channelIds()).resolves.toEqual(Array.from({ length: 20 }, (_, rank) => id(24 - rank)));
    } finally {
      await context.close();
    }
  });

  it('reads a page number past the end as an empty page, and a malformed one as the first', async () => {
    const read = (search: string) =>
      fetch(`${base}/admin?${search}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((response) =>
        response.text(),
      );
    expect(await read('conversations=99')).toContain('No stored conversations.');
    expect(await read('channels=abc')).toContain(`data-id="${id(44)}"`);
  });
});

describe('the operator page without ADMIN_TOKEN', () => {
  it('is off: every /admin path answers 404', async () => {
    const plain = await startTestParley({ OPENAI_BASE_URL: model.url, LOG_LEVEL: 'silent' });
    try {
      const url = `http://127.0.0.1:${plain.httpPort}`;
      expect((await fetch(`${url}/admin`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
        404,
      );
      expect((await fetch(`${url}/admin/login`, { method: 'POST', body: `token=${TOKEN}` })).status).toBe(
        404,
      );
      expect((await fetch(`${url}/admin/admin.css`)).status).toBe(404);
    } finally {
      await plain.stop({ timeoutMs: 2_000 });
    }
  });
});
