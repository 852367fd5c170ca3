/**
 * Parley on a real Redis Cluster that the suite builds itself, through the Slack path: signed HTTP events in,
 * BullMQ and the mailboxes on the cluster, replies on the fake Slack Web API. Then a failover: a master is
 * SIGKILLed mid-run and its replica takes over; no accepted turn is lost and none is answered twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.ts';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedisCluster } from '../helpers/redis-cluster.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'cluster-signing-secret';
const BOT = `<@${FIXTURE.botUserId}>`;

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

async function startOnCluster(options: { masters: number; replicasPerMaster: number; turnLockMs?: number }) {
  const [cluster, model, api] = await Promise.all([
    startTestRedisCluster(options),
    startFakeOpenAI(),
    startFixtureSlackApi(),
  ]);
  cleanup.push(
    () => cluster.close(),
    () => model.close(),
    () => api.close(),
  );
  const parley = await startTestParley(
    {
      OPENAI_BASE_URL: model.url,
      REDIS_CLUSTER_NODES: cluster.seeds,
      SLACK_BOT_TOKEN: 'xoxb-cluster',
      // A drain whose lock renewal met the dead master is taken over after this; short so the test stays short.
      ...(options.turnLockMs !== undefined ? { TURN_LOCK_MS: String(options.turnLockMs) } : {}),
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: api.url,
      LOG_LEVEL: process.env.CLUSTER_TEST_LOG ?? 'silent',
    },
    process.env.CLUSTER_TEST_LOG ? createLogger(process.env.CLUSTER_TEST_LOG) : undefined,
  );
  cleanup.push(() => parley.stop({ timeoutMs: 5_000 }));
  return { cluster, model, api, parley };
}

/**
 * Sends a mention as Slack does: an answer other than 2xx (the turn could not be made durable in time) is
 * retried with `x-slack-retry-num`, up to Slack's three retries. Resolves with the last status.
 */
async function mention(parley: RunningParley, text: string, thread: { ts?: string; thread_ts?: string }) {
  const event = appMention({ ...thread, text: `${BOT} ${text}` });
  let status = 0;
  for (let retry = 0; retry <= 3; retry++) {
    const response = await sendSlackEvent(slackEventsUrl(parley), event, {
      signingSecret: SECRET,
      ...(retry > 0 ? { retryNum: retry } : {}),
    });
    status = response.status;
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000 * retry));
  }
  return status;
}

/** The bot's replies per thread root. */
function repliesByThread(api: FakeSlackApi, roots: string[]): string[][] {
  return roots.map((root) => api.messagesIn(FIXTURE.channel, root).map((message) => message.text));
}

describe('Parley on a Redis Cluster', () => {
  it('answers Slack mentions with history, queue and usage spread over three masters', async () => {
    const { model, api, parley, cluster } = await startOnCluster({ masters: 3, replicasPerMaster: 0 });
    model.respondWith((body) => `Echo: ${String(body.messages.at(-1)?.content).split(': ').at(-1)}`);
    const roots = Array.from({ length: 6 }, () => nextTs());
    for (const [index, root] of roots.entries())
      expect(await mention(parley, `question ${index}`, { ts: root })).toBe(200);
    const answers = roots.map((_, index) => [`Echo: question ${index}`]);
    // Wait for the final texts: an answer shows up while it is still streaming.
    await waitFor(
      () => `six answers, got ${JSON.stringify(repliesByThread(api, roots))}`,
      () => JSON.stringify(repliesByThread(api, roots)) === JSON.stringify(answers),
    );
    expect(repliesByThread(api, roots)).toEqual(answers);

    // The second turn of a thread sees the first: the history lives on the cluster.
    expect(await mention(parley, 'again', { thread_ts: roots[0] })).toBe(200);
    await waitFor('the follow-up', () => api.messagesIn(FIXTURE.channel, roots[0]).length === 2);
    expect(model.requests.at(-1)!.body.messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
    ]);
    const sessionId = `slack:${FIXTURE.team}:${FIXTURE.channel}:${roots[0]}`;
    // The reply is visible a moment before its turn is committed.
    await waitFor('the follow-up to be committed', async () => (await parley.store.count(sessionId)) === 4);
    // Keys really are spread: more than one master holds some.
    const sizes = await Promise.all((await cluster.masterPorts()).map((port) => cluster.keysOn(port)));
    expect(sizes.filter((size) => size > 0).length).toBeGreaterThan(1);
  }, 90_000);

  it('a master SIGKILLed mid-run fails over: every accepted turn answered once, in order', async () => {
    const { model, api, parley, cluster } = await startOnCluster({
      masters: 3,
      replicasPerMaster: 1,
      turnLockMs: 3_000,
    });
    model.setLatency(() => 20 + Math.random() * 40);
    model.respondWith((body) => `Echo: ${String(body.messages.at(-1)?.content).split(': ').at(-1)}`);
    const roots = Array.from({ length: 20 }, () => nextTs());
    const accepted: Array<{ root: string; text: string }> = [];
    const send = async (round: number) => {
      await Promise.all(
        roots.map(async (root, index) => {
          const text = `t${index} r${round}`;
          const status = await mention(parley, text, round === 0 ? { ts: root } : { thread_ts: root });
          if (status === 200) accepted.push({ root, text });
        }),
      );
    };
    await send(0);
    const [victim] = await cluster.masterPorts();
    await cluster.kill(victim!);
    await send(1);
    await cluster.waitHealthy(30_000);
    await send(2);

    expect(accepted.length).toBe(60);
    // Each thread's turns were sent one round after another, so its answers must come in round order.
    const expected = roots.map((root) =>
      accepted
        .filter((turn) => turn.root === root)
        .sort((a, b) => Number(a.text.split(' r')[1]) - Number(b.text.split(' r')[1]))
        .map((turn) => `Echo: ${turn.text}`),
    );
    // Wait for the final texts, not just the count: the newest answer may still be streaming. All 60 answers are
    // in one workspace, whose chat.update budget (Tier 3: a burst of 20, then 50 a minute) holds their final
    // edits back by up to ~50 s on top of the failover: the wait allows for that.
    await waitFor(
      () =>
        `every accepted turn answered (answers per thread ${JSON.stringify(
          repliesByThread(api, roots).map((replies) => replies.length),
        )})`,
      () => JSON.stringify(repliesByThread(api, roots)) === JSON.stringify(expected),
      { timeoutMs: 150_000 },
    );
    expect(repliesByThread(api, roots)).toEqual(expected);
  }, 240_000);
});
