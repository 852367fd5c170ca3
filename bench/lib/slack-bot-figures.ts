import { performance } from 'node:perf_hooks';
import type { FakeSlackApi } from '../../test/fakes/fake-slack-api.ts';
import type { SlackAnswers } from './slack-answers.ts';
import { type SlackBot, type SlackBotEnv, type SlackBotName, startSlackBot } from './slack-bots.ts';
import {
  burst,
  channelIds,
  conversations,
  mentionSender,
  redeliveries,
  steadyMentions,
} from './slack-load.ts';
import { type LatencySummary, summarize } from './stats.ts';
import type { TimedModel } from './timed-model.ts';

/** Sizes of the three loads. */
export interface SlackLoadSizes {
  /** Mentions before measuring (JIT, connection pools). */
  warmup: number;
  /** Steady load: mentions per second and how many. */
  steadyRate: number;
  steadyCount: number;
  /** Conversations at once, mentions in each, model delay. */
  threads: number;
  mentionsPerThread: number;
  slowModelMs: number;
  /** Burst: threads and mentions in each. */
  burstThreads: number;
  burstPerThread: number;
}

/** One bot's figures through Slack. */
export interface SlackBotFigures {
  /** Process-tree CPU over the steady load / answers completed in it, ms. */
  cpuPerAnswerMs: number;
  /** Answers completed in the steady load (of `steadyCount`). */
  steadyAnswers: number;
  /** Conversations: answers per second from the first mention to the last answer. */
  answersPerSecond: number;
  /** Conversations: mention sent → whole answer visible on the fake Slack. */
  latency: LatencySummary;
  /** Conversations: answers completed (of threads × mentions). */
  conversationAnswers: number;
  /** Burst: answers delivered (of threads × mentions). */
  burstAnswers: number;
}

/** The shared fakes and where the bench's own processes are. */
export interface SlackRig {
  api: FakeSlackApi;
  answers: SlackAnswers;
  model: TimedModel;
  env: SlackBotEnv;
  progress(message: string): void;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** Steady mentions, each in a thread of its own; CPU of the bot's process tree per answer completed. */
async function steadyCpu(rig: SlackRig, bot: SlackBot, sizes: SlackLoadSizes, label: string) {
  const send = mentionSender(bot.eventsUrl, rig.env.signingSecret, rig.api);
  const channels = channelIds(20);
  await rig.model.setLatency(0);
  rig.progress(`${label}: warm-up, ${sizes.warmup} mentions`);
  await steadyMentions(send, channels, sizes.steadyRate, sizes.warmup);
  await rig.answers.waitForComplete(sizes.warmup, 10_000);
  rig.answers.reset();
  rig.progress(`${label}: ${sizes.steadyCount} mentions at ${sizes.steadyRate}/s, 0 ms model`);
  const before = bot.process.cpuMs();
  await steadyMentions(send, channels, sizes.steadyRate, sizes.steadyCount);
  const steadyAnswers = await rig.answers.waitForComplete(sizes.steadyCount, 10_000);
  const cpuPerAnswerMs = (bot.process.cpuMs() - before) / steadyAnswers;
  rig.answers.reset();
  return { cpuPerAnswerMs, steadyAnswers };
}

/** Starts `name`, runs the three loads on it, stops it. */
export async function measureSlackBot(
  name: SlackBotName,
  rig: SlackRig,
  sizes: SlackLoadSizes,
): Promise<SlackBotFigures> {
  const label = `peer-slack ${name}`;
  rig.progress(`${label}: starting`);
  const bot = await startSlackBot(name, rig.env, rig.progress);
  const redelivered = redeliveries();
  try {
    const steady = await steadyCpu(rig, bot, sizes, label);
    const send = mentionSender(bot.eventsUrl, rig.env.signingSecret, rig.api);
    const channels = channelIds(20);
    await rig.model.setLatency(sizes.slowModelMs);
    rig.progress(
      `${label}: ${sizes.threads} conversations at once, ${sizes.mentionsPerThread} mentions each, ${sizes.slowModelMs} ms model`,
    );
    const run = await conversations(
      send,
      rig.answers,
      channels,
      sizes.threads,
      sizes.mentionsPerThread,
      30_000,
    );
    const latencies = run.turns.flatMap((turn) =>
      turn.answeredAt === undefined ? [] : [turn.answeredAt - turn.mention.sentAt],
    );
    rig.answers.reset();
    const total = sizes.burstThreads * sizes.burstPerThread;
    rig.progress(`${label}: burst of ${total} mentions over ${sizes.burstThreads} threads`);
    const burstStart = epochNow();
    await burst(send, channels, sizes.burstThreads, sizes.burstPerThread);
    // Done when every mention is answered, or nothing new showed for a while (a bot that folds stops early).
    const burstAnswers = await rig.answers.waitForComplete(total, Math.max(8_000, 3 * sizes.slowModelMs));
    rig.progress(
      `${label}: burst answered ${burstAnswers} in ${((epochNow() - burstStart) / 1000).toFixed(1)} s`,
    );
    rig.answers.reset();
    return {
      ...steady,
      answersPerSecond: (latencies.length * 1000) / run.wallMs,
      latency: summarize(latencies),
      conversationAnswers: latencies.length,
      burstAnswers,
    };
  } finally {
    rig.progress(`${label}: ${redeliveries() - redelivered} events redelivered (not acked with 200)`);
    await bot.process.stop();
    rig.answers.reset();
    rig.answers.clearFake();
  }
}
