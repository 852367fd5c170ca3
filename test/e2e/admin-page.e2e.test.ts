import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { usageDay } from '../../src/usage/usage-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, directMessage, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { launchHeadlessBrowser, testOutputPath } from '../helpers/headless-browser.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'admin-e2e-signing-secret';
const TOKEN = 'admin-e2e-token-0123456789';
const TEAM = 'T061EG9R6';
const BOT = `<@${FIXTURE.botUserId}>`;

let model: FakeOpenAI;
let api: FakeSlackApi;
let parley: RunningParley;
let browser: Browser;
let base: string;

/** The scripted conversation: who says what where (channel threads and a DM). */
const SCRIPT = [
  { channel: 'CALPHA', user: 'UALICE', thread: 'a', text: 'Hello from Alice in alpha' },
  {
    channel: 'CALPHA',
    user: 'UALICE',
    thread: 'a',
    text: 'And a second, somewhat longer question from Alice',
  },
  { channel: 'CALPHA', user: 'UBOB', thread: 'b', text: 'Bob opens another thread in alpha' },
  { channel: 'CBETA', user: 'UBOB', thread: 'c', text: 'Bob in beta' },
  { dm: 'DCAROL', user: 'UCAROL', text: 'Carol writes a direct message' },
] as const;

beforeAll(async () => {
  [model, api, browser] = await Promise.all([
    startFakeOpenAI(),
    startFixtureSlackApi(),
    launchHeadlessBrowser(),
  ]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    SLACK_BOT_TOKEN: 'xoxb-admin-e2e',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    SUMMARY: 'off',
    ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
  });
  base = `http://127.0.0.1:${parley.httpPort}`;
  const roots = new Map<string, string>();
  for (const step of SCRIPT) {
    const ts = nextTs();
    const payload =
      'dm' in step
        ? directMessage({ ts, channel: step.dm, user: step.user, text: step.text })
        : appMention({
            ts,
            channel: step.channel,
            user: step.user,
            text: `${BOT} ${step.text}`,
            ...(roots.has(step.thread) ? { thread_ts: roots.get(step.thread) } : {}),
          });
    if (!('dm' in step) && !roots.has(step.thread)) roots.set(step.thread, ts);
    const response = await sendSlackEvent(slackEventsUrl(parley), payload, { signingSecret: SECRET });
    expect(response.status).toBe(200);
    // One at a time, so each turn's reply is in before the next question in the same thread.
    // (The model was asked, and the drained queue means the answer was delivered and committed.)
    await waitFor('the model call', () => model.requests.length >= SCRIPT.indexOf(step) + 1);
    await queueDrained(parley);
  }
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), api?.close()]);
});

/** Today's counters of a channel and a user, as the ledger holds them, in the page's integer form. */
async function ledgerToday(scopeId: string, userId: string) {
  const report = await parley.ledger.read({ scopeId, userId, at: Date.now() });
  const integer = (totals: typeof report.scope.today) => ({
    cost: Math.round(totals.costUsd * 1_000_000),
    tokens: totals.promptTokens + totals.completionTokens,
    prompt: totals.promptTokens,
    completion: totals.completionTokens,
    calls: totals.calls,
  });
  return { scope: integer(report.scope.today), user: integer(report.user.today) };
}

const cell = (page: Page, selector: string) => page.locator(selector).getAttribute('data-value').then(Number);

async function logIn(page: Page): Promise<void> {
  await page.goto(`${base}/admin`);
  await page.fill('#token', TOKEN);
  await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type=submit]')]);
}

describe('the operator page (/admin), in a real browser, on the embedded default', () => {
  it('refuses without the token, with a wrong one, and lets the token in by header', async () => {
    const bare = await fetch(`${base}/admin`);
    expect(bare.status).toBe(401);
    const form = await bare.text();
    expect(form).toContain('name="token"');
    expect(form).not.toContain('CALPHA');
    const wrong = await fetch(`${base}/admin`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    const forged = await fetch(`${base}/admin`, { headers: { cookie: 'parley_admin=99999999999999.abc' } });
    expect(forged.status).toBe(401);
    const right = await fetch(`${base}/admin`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await right.text()).toContain('CALPHA');
  });

  it('logs in through the form with an HttpOnly, SameSite=Strict cookie, and refuses a wrong token', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const first = await page.goto(`${base}/admin`);
      expect(first?.status()).toBe(401);
      await page.fill('#token', 'wrong-token-wrong-token');
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.url().endsWith('/admin/login')),
        page.click('button[type=submit]'),
      ]);
      expect(refused.status()).toBe(401);
      await expect(page.locator('#login-error').textContent()).resolves.toContain('not right');
      await logIn(page);
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({
        name: 'parley_admin',
        httpOnly: true,
        sameSite: 'Strict',
        path: '/admin',
      });
      expect(cookie?.value).not.toContain(TOKEN);
      await expect(page.locator('h1').textContent()).resolves.toContain("operator's view");
      await Promise.all([
        page.waitForURL(`${base}/admin`),
        page.click('form[action="/admin/logout"] button'),
      ]);
      await expect(page.locator('#token').count()).resolves.toBe(1);
    } finally {
      await context.close();
    }
  });

  it('charts and tables show what the ledger holds after the scripted turns', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await logIn(page);
      const today = usageDay(Date.now());
      const alpha = await ledgerToday(`slack:${TEAM}:CALPHA`, 'UALICE');
      const beta = await ledgerToday(`slack:${TEAM}:CBETA`, 'UBOB');
      const dm = await ledgerToday(`slack:${TEAM}:DCAROL`, 'UCAROL');
      expect(alpha.scope.calls).toBe(3);
      const all = [alpha.scope, beta.scope, dm.scope];
      const sum = (field: 'cost' | 'prompt' | 'completion' | 'calls') =>
        all.reduce((total, counters) => total + counters[field], 0);

      const day = `#daily-table tr[data-day="${today}"]`;
      expect(await cell(page, `${day} [data-field=cost]`)).toBe(sum('cost'));
      expect(await cell(page, `${day} [data-field=prompt]`)).toBe(sum('prompt'));
      expect(await cell(page, `${day} [data-field=completion]`)).toBe(sum('completion'));
      expect(await cell(page, `${day} [data-field=calls]`)).toBe(5);
      expect(sum('cost')).toBeGreaterThan(0);
      // The charts draw the same numbers: today's bar is the last one and the tallest.
      expect(await cell(page, `#chart-cost rect[data-label="${today}"]`)).toBe(sum('cost'));
      expect(await cell(page, `#chart-tokens rect[data-label="${today}"][data-series=prompt]`)).toBe(
        sum('prompt'),
      );
      await expect(page.locator('#chart-cost rect.bar').count()).resolves.toBe(30);
      expect(await cell(page, '#total-cost')).toBe(sum('cost'));

      const channel = (id: string) => `#channels-table tr[data-id="slack:${TEAM}:${id}"]`;
      expect(await cell(page, `${channel('CALPHA')} [data-field=cost]`)).toBe(alpha.scope.cost);
      expect(await cell(page, `${channel('CALPHA')} [data-field=tokens]`)).toBe(alpha.scope.tokens);
      expect(await cell(page, `${channel('CBETA')} [data-field=calls]`)).toBe(1);
      expect(await cell(page, `${channel('DCAROL')} [data-field=tokens]`)).toBe(dm.scope.tokens);
      // Most expensive first: alpha had three calls.
      await expect(page.locator('#channels-table tbody tr').first().getAttribute('data-id')).resolves.toBe(
        `slack:${TEAM}:CALPHA`,
      );
      const user = (id: string) => `#users-table tr[data-id="${id}"]`;
      expect(await cell(page, `${user('UALICE')} [data-field=cost]`)).toBe(alpha.user.cost);
      expect(await cell(page, `${user('UBOB')} [data-field=calls]`)).toBe(2);
      expect(await cell(page, `${user('UCAROL')} [data-field=tokens]`)).toBe(dm.user.tokens);

      await expect(page.locator('#conversations-table tbody tr').count()).resolves.toBe(4);
      expect(await cell(page, '#conversation-count')).toBe(4);
      const sessions = await parley.store.listSessions();
      for (const { sessionId } of sessions) {
        const meta = await parley.store.getMeta(sessionId);
        const row = `#conversations-table tr[data-id="${sessionId}"]`;
        expect(await cell(page, `${row} [data-field=tokens]`)).toBe(
          meta.usage.promptTokens + meta.usage.completionTokens,
        );
        expect(await cell(page, `${row} [data-field=messages]`)).toBe(await parley.store.count(sessionId));
        await expect(page.locator(`${row} [data-command=export]`).textContent()).resolves.toBe(
          `npx parley export ${sessionId} --out ${sessionId.replaceAll(':', '_')}.json`,
        );
        await expect(page.locator(`${row} [data-command=forget]`).textContent()).resolves.toBe(
          `npx parley forget ${sessionId}`,
        );
      }

      expect(await cell(page, '#pending-turns')).toBe(0);
      expect(await cell(page, '#turns-table tr[data-id=answered] [data-field=count]')).toBe(5);
      expect(await cell(page, '#model-latency-table tr[data-id=gpt-4o-mini] [data-field=count]')).toBe(5);
      expect(await cell(page, '#queue-wait-table tr[data-id=all] [data-field=count]')).toBe(5);
      await expect(
        page.locator('#queue-wait-table tr[data-id=all] [data-field=p95]').textContent(),
      ).resolves.toMatch(/\d/);
      await expect(page.locator('#errors-table').textContent()).resolves.toContain('No errors');
      await expect(page.locator('#feedback-table').textContent()).resolves.toContain('No feedback');
      await page.screenshot({ path: testOutputPath('admin.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('fits a phone screen without sideways scrolling of the page', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const page = await context.newPage();
      await logIn(page);
      const overflow = await page.evaluate(() => {
        // Runs in the page; the test's TypeScript has no DOM library.
        const view = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return view.document.documentElement.scrollWidth - view.innerWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      const chartWidth = await page
        .locator('#chart-cost')
        .evaluate((svg) => svg.getBoundingClientRect().width);
      expect(chartWidth).toBeLessThanOrEqual(390);
      expect(chartWidth).toBeGreaterThan(200);
      await page.screenshot({ path: testOutputPath('admin-phone.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
