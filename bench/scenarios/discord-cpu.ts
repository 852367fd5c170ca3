import { fileURLToPath } from 'node:url';
import { type FakeDiscord, startFakeDiscord } from '../../test/fakes/fake-discord.ts';
import { openLoop } from '../child/open-loop.ts';
import type { BenchContext, Scenario } from '../lib/bench-context.ts';
import { SHORT_TEXT, turnIdIn } from '../lib/bench-turns.ts';
import { startBotProcess } from '../lib/bot-process.ts';
import { met, num, type ResultRow, times } from '../lib/results-table.ts';
import { startTimedModel, type TimedModel } from '../lib/timed-model.ts';

type DiscordBotName = 'Parley' | 'minimal';
const RATE = 20;
const CHANNELS = 20;
const ANSWER_ROUTES = new Set([
  'POST /channels/:channel/messages',
  'PATCH /channels/:channel/messages/:message',
]);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Counts answers as the fake's REST calls arrive: a post or edit whose content carries `fin<id>`. */
function watchAnswers(fake: FakeDiscord): { complete: Set<number>; waitFor(count: number): Promise<number> } {
  const complete = new Set<number>();
  let last = performance.now();
  const push = fake.requests.push.bind(fake.requests);
  fake.requests.push = (...requests) => {
    for (const request of requests) {
      if (!ANSWER_ROUTES.has(request.route)) continue;
      const content = String((request.body as { content?: unknown } | undefined)?.content ?? '');
      const turnId = turnIdIn(content);
      if (turnId !== undefined && content.includes(`fin${turnId}`) && !complete.has(turnId)) {
        complete.add(turnId);
        last = performance.now();
      }
    }
    if (fake.requests.length > 1_000) fake.requests.length = 0;
    return push(...requests);
  };
  return {
    complete,
    async waitFor(count) {
      last = performance.now();
      while (complete.size < count && performance.now() - last < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return complete.size;
    },
  };
}

/** Starts `name` on a fresh fake Discord, warms it up, and measures its process tree's CPU per answer. */
async function cpuPerAnswer(
  name: DiscordBotName,
  context: BenchContext,
  model: TimedModel,
  counts: { warmup: number; measured: number },
): Promise<{ cpuPerAnswerMs: number; answers: number }> {
  const fake = await startFakeDiscord();
  const channels = Array.from({ length: CHANNELS }, (_, i) => fake.addTextChannel(`load-${i}`));
  const answers = watchAnswers(fake);
  const env = {
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'sk-bench',
    MODEL: 'gpt-4o-mini',
    DISCORD_TOKEN: fake.token,
    DISCORD_API_URL: fake.apiUrl,
  };
  context.progress(`discord-cpu ${name}: starting`);
  const bot = await startBotProcess({
    command: process.execPath,
    args: ['--import', 'tsx', name === 'Parley' ? 'src/app/main.ts' : 'bench/minimal/discord-responder.ts'],
    cwd: repoRoot,
    env:
      name === 'Parley'
        ? { ...env, REDIS_URL: context.redis.url, REDIS_PREFIX: 'p10', PORT: '0', HOST: '127.0.0.1' }
        : env,
    logFile: `${context.outDir}/discord-cpu-${name.toLowerCase()}.log`,
    // Ready once it has identified and had its guild (GUILD_CREATE follows READY at once).
    ready: () => fake.identifies.length > 0,
  });
  let turnId = 0;
  const mention = async (i: number) => {
    turnId += 1;
    const content = `${fake.mention} #t${turnId} ${SHORT_TEXT}`;
    fake.sendMessageCreate({ content, channel_id: channels[i % CHANNELS]! });
  };
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    context.progress(`discord-cpu ${name}: warm-up, ${counts.warmup} mentions`);
    await openLoop(RATE, counts.warmup, mention);
    await answers.waitFor(counts.warmup);
    answers.complete.clear();
    context.progress(`discord-cpu ${name}: ${counts.measured} mentions at ${RATE}/s, 0 ms model`);
    const before = bot.cpuMs();
    await openLoop(RATE, counts.measured, mention);
    const answered = await answers.waitFor(counts.measured);
    return { cpuPerAnswerMs: (bot.cpuMs() - before) / answered, answers: answered };
  } finally {
    await bot.stop();
    await fake.close();
  }
}

/**
 * 11 — CPU per answer through Discord: MESSAGE_CREATE mentions dispatched on the fake gateway, answers posted
 * to the fake REST API. Parley's real process (its discord.js client, role `all`) beside a minimal responder
 * (bench/minimal/discord-responder.ts: raw gateway client, one model call, one REST post).
 */
export const discordCpuScenario: Scenario = async (context: BenchContext) => {
  const counts = context.quick ? { warmup: 60, measured: 200 } : { warmup: 200, measured: 600 };
  const model = await startTimedModel();
  try {
    await model.setLatency(0);
    const parley = await cpuPerAnswer('Parley', context, model, counts);
    const minimal = await cpuPerAnswer('minimal', context, model, counts);
    return [
      {
        scenario: '11 through Discord',
        metric: `CPU per answer (process tree), ${RATE} mentions/s, 0 ms model; answered ${parley.answers}/${minimal.answers} of ${counts.measured}`,
        ours: `${num(parley.cpuPerAnswerMs, 2)} ms`,
        reference: `minimal ${num(minimal.cpuPerAnswerMs, 2)} ms`,
        ratio: times(parley.cpuPerAnswerMs, minimal.cpuPerAnswerMs),
        target: '≤ 1.5× minimal',
        met: met(parley.answers === counts.measured && parley.cpuPerAnswerMs <= 1.5 * minimal.cpuPerAnswerMs),
      } satisfies ResultRow,
    ];
  } finally {
    await model.stop();
  }
};
