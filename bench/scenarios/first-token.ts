import { openSync } from 'node:fs';
import type { BenchContext, Scenario } from '../lib/bench-context.ts';
import { met, num, type ResultRow, times } from '../lib/results-table.ts';
import { type SlackBotName, startSlackBot } from '../lib/slack-bots.ts';
import { startSlackFakes } from '../lib/slack-fakes.ts';
import { channelIds, mentionSender, redeliveries, steadyMentions } from '../lib/slack-load.ts';
import { type LatencySummary, summarize } from '../lib/stats.ts';
import { startTimedModel, type TimedModel } from '../lib/timed-model.ts';

const SECRET = 'bench-signing-secret';
const RATE = 100;
const MODEL_MS = 200;
// Each mention starts a thread of its own, spread so Parley's per-workspace edit budget never sets the pace.
const WORKSPACES = 1_000;

/** What one bot showed: first visible text minus the model's first token, per answer. */
interface FirstToken {
  overhead: LatencySummary;
  /** Answers whose first text showed (of those sent). */
  answered: number;
}

/** Starts `name`, warms it up, sends `count` mentions at RATE/s and pairs first text with first token. */
async function measure(
  name: SlackBotName,
  context: BenchContext,
  fakes: Awaited<ReturnType<typeof startSlackFakes>>,
  model: TimedModel,
  count: number,
): Promise<FirstToken> {
  const { api, answers } = fakes;
  const env = {
    modelUrl: model.url,
    redisUrl: context.redis.url,
    slackApiUrl: api.url,
    signingSecret: SECRET,
    logFile: `${context.outDir}/first-token-${name.toLowerCase()}.log`,
    redisPrefix: 'p9',
  };
  context.progress(`first-token ${name}: starting`);
  const bot = await startSlackBot(name, env, context.progress);
  try {
    const send = mentionSender(bot.eventsUrl, SECRET, api);
    const channels = channelIds(20);
    context.progress(`first-token ${name}: warm-up`);
    await steadyMentions(send, channels, RATE / 2, count / 4, WORKSPACES);
    await answers.waitForComplete(count / 4, 10_000);
    answers.reset();
    await model.takeFirstTokens();
    context.progress(`first-token ${name}: ${num(count)} mentions at ${RATE}/s, ${MODEL_MS} ms model`);
    const sent = await steadyMentions(send, channels, RATE, count, WORKSPACES);
    await answers.waitForComplete(count, 10_000);
    const firstTokens = await model.takeFirstTokens();
    const overheads = sent.flatMap(({ turnId }) => {
      const shown = answers.firstText.get(turnId);
      const token = firstTokens.get(turnId);
      return shown === undefined || token === undefined ? [] : [shown - token];
    });
    answers.reset();
    return { overhead: summarize(overheads), answered: overheads.length };
  } finally {
    await bot.process.stop();
    answers.reset();
    fakes.answers.clearFake();
  }
}

/**
 * 10 — mention to first visible token: at RATE mentions/s (each a new thread, a MODEL_MS model), when each
 * answer's first text showed on the fake Slack minus when the fake model sent its first token (both clocks
 * are this machine's: epoch ms with sub-ms precision). Parley's real process beside the minimal responder.
 */
export const firstTokenScenario: Scenario = async (context: BenchContext) => {
  const count = context.quick ? 500 : 2_000;
  const model = await startTimedModel(openSync(`${context.outDir}/first-token.log`, 'a'));
  const fakes = await startSlackFakes();
  try {
    await model.setLatency(MODEL_MS);
    const before = redeliveries();
    const parley = await measure('Parley', context, fakes, model, count);
    const minimal = await measure('minimal', context, fakes, model, count);
    const label = '10 first visible token';
    const load = `@${RATE}/s, ${MODEL_MS} ms model; answers ${parley.answered}/${minimal.answered} of ${count}, ${redeliveries() - before} redelivered`;
    const row = (metric: string, pick: (s: LatencySummary) => number, limit: number): ResultRow => ({
      scenario: label,
      metric,
      ours: `${num(pick(parley.overhead), 1)} ms`,
      reference: `minimal ${num(pick(minimal.overhead), 1)} ms`,
      ratio: times(pick(parley.overhead), pick(minimal.overhead)),
      target: `≤ ${limit} ms`,
      met: met(pick(parley.overhead) <= limit && parley.answered === count),
    });
    return [
      row(`first text on Slack − model's first token, p50 (${load})`, (s) => s.p50, 15),
      row("first text on Slack − model's first token, p99", (s) => s.p99, 60),
    ];
  } finally {
    await fakes.api.close();
    await model.stop();
  }
};
