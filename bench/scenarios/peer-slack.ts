import { openSync, readdirSync, writeFileSync } from 'node:fs';
import type { BenchContext, Scenario } from '../lib/bench-context.ts';
import { formatProfileSummary, summarizeProfile } from '../lib/profile-summary.ts';
import { met, num, type ResultRow, times } from '../lib/results-table.ts';
import { measureSlackBot, type SlackBotFigures, type SlackLoadSizes } from '../lib/slack-bot-figures.ts';
import type { SlackBotName } from '../lib/slack-bots.ts';
import { startSlackFakes } from '../lib/slack-fakes.ts';
import { startTimedModel } from '../lib/timed-model.ts';

const SECRET = 'bench-signing-secret';
const BOTS: SlackBotName[] = ['Parley', 'Chat SDK peer', 'minimal'];

const FULL: SlackLoadSizes = {
  warmup: 200,
  steadyRate: 20,
  steadyCount: 600,
  threads: 200,
  mentionsPerThread: 3,
  slowModelMs: 1_000,
  burstThreads: 50,
  burstPerThread: 10,
};
const QUICK: SlackLoadSizes = {
  warmup: 60,
  steadyRate: 20,
  steadyCount: 200,
  threads: 50,
  mentionsPerThread: 3,
  slowModelMs: 1_000,
  burstThreads: 20,
  burstPerThread: 10,
};

type Outcome = SlackBotFigures | { unavailable: string };

/** A bot's figures, or undefined when it did not run. */
const figuresOf = (outcome: Outcome | undefined): SlackBotFigures | undefined =>
  outcome === undefined || 'unavailable' in outcome ? undefined : outcome;

/** A figure of one bot, or why there is none. */
function figure(outcome: Outcome | undefined, pick: (f: SlackBotFigures) => string): string {
  const figures = figuresOf(outcome);
  if (figures) return pick(figures);
  return `unavailable: ${outcome && 'unavailable' in outcome ? outcome.unavailable : 'not run'}`;
}

/** The rows: Parley in `ours`, the peer and the minimal responder in `reference`, each ratio beside. */
function rows(results: Map<SlackBotName, Outcome>, sizes: SlackLoadSizes): ResultRow[] {
  const parley = results.get('Parley');
  const peer = results.get('Chat SDK peer');
  const minimal = results.get('minimal');
  const label = '9 vs peer through Slack';
  const row = (
    metric: string,
    pick: (f: SlackBotFigures) => number,
    format: (n: number) => string,
    target: string,
    check?: (ours: number, peer: number | undefined, minimal: number | undefined) => boolean,
  ): ResultRow => {
    const value = (o: Outcome | undefined) => {
      const figures = figuresOf(o);
      return figures ? pick(figures) : undefined;
    };
    const [p, q, m] = [value(parley), value(peer), value(minimal)];
    const ratio = (other: number | undefined, name: string) =>
      p === undefined || other === undefined ? `— ${name}` : `${times(p, other)} ${name}`;
    return {
      scenario: label,
      metric,
      ours: figure(parley, (f) => format(pick(f))),
      reference: `peer ${figure(peer, (f) => format(pick(f)))} · minimal ${figure(minimal, (f) => format(pick(f)))}`,
      ratio: `${ratio(q, 'peer')} · ${ratio(m, 'minimal')}`,
      target,
      met: check && p !== undefined ? met(check(p, q, m)) : '—',
    };
  };
  const ms = (n: number) => `${num(n, 1)} ms`;
  const conversation = `${sizes.threads} threads at once, ${sizes.mentionsPerThread} mentions each, ${num(sizes.slowModelMs)} ms model`;
  const burstTotal = sizes.burstThreads * sizes.burstPerThread;
  return [
    row(
      `CPU per answer (process tree), ${sizes.steadyRate} mentions/s, 0 ms model`,
      (f) => f.cpuPerAnswerMs,
      (n) => `${num(n, 2)} ms`,
      '≤ 0.5× peer, ≤ 1.5× minimal',
      (ours, q, m) => (q === undefined || ours <= 0.5 * q) && m !== undefined && ours <= 1.5 * m,
    ),
    row(
      `answers/s, ${conversation}`,
      (f) => f.answersPerSecond,
      (n) => `${num(n, 1)}/s`,
      '≥ 0.95× minimal',
      (ours, _q, m) => m !== undefined && ours >= 0.95 * m,
    ),
    row(
      'mention → answer visible p50 (same load)',
      (f) => f.latency.p50,
      ms,
      '≤ minimal + 50 ms',
      (ours, _q, m) => m !== undefined && ours <= m + 50,
    ),
    row('mention → answer visible p99 (same load)', (f) => f.latency.p99, ms, '—'),
    row(
      `answers delivered, burst of ${burstTotal} mentions over ${sizes.burstThreads} threads`,
      (f) => f.burstAnswers,
      (n) => `${num(n)} of ${num(burstTotal)}`,
      `all ${num(burstTotal)}`,
      (ours) => ours === burstTotal,
    ),
  ];
}

/** Summarises the CPU profile Parley's process wrote on exit (`--profile`), beside it and in the progress. */
function summarizeParleyProfile(context: BenchContext): void {
  const dir = `${context.outDir}/peer-slack-parley`;
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) {
    context.progress(`peer-slack: Parley wrote no CPU profile in ${dir}`);
    return;
  }
  const summary = formatProfileSummary(summarizeProfile(`${dir}/${file}`, 40));
  writeFileSync(`${dir}/${file}.txt`, `${summary}\n`);
  context.progress(`peer-slack: Parley's profile ${dir}/${file}\n${summary}`);
}

/**
 * 9 — the same Slack load on three bots, one after another, against the same fakes: Parley's real process
 * (role `all`), the Chat SDK peer (`npm start` in an installed copy) and a minimal responder
 * (bench/minimal/slack-responder.ts). Signed `app_mention` events in; answers seen on the fake Web API.
 */
export const peerSlackScenario: Scenario = async (context: BenchContext) => {
  const sizes = context.quick ? QUICK : FULL;
  const log = openSync(`${context.outDir}/peer-slack.log`, 'a');
  const model = await startTimedModel(log);
  const { api, answers } = await startSlackFakes();
  const results = new Map<SlackBotName, Outcome>();
  try {
    for (const name of BOTS) {
      await context.redis.flush();
      const env = {
        modelUrl: model.url,
        redisUrl: context.redis.url,
        slackApiUrl: api.url,
        signingSecret: SECRET,
        logFile: `${context.outDir}/peer-slack-${name.replaceAll(' ', '-').toLowerCase()}.log`,
        redisPrefix: 'p8',
        ...(context.profile && name === 'Parley'
          ? { cpuProfileDir: `${context.outDir}/peer-slack-parley` }
          : {}),
      };
      const rig = { api, answers, model, env, progress: context.progress };
      try {
        results.set(name, await measureSlackBot(name, rig, sizes));
      } catch (error) {
        // Only the peer may be missing (its install needs the registry); Parley or the floor failing is a bug.
        if (name !== 'Chat SDK peer') throw error;
        const reason = error instanceof Error ? error.message : String(error);
        context.progress(`peer-slack ${name}: ${reason}`);
        results.set(name, { unavailable: reason });
        answers.reset();
      }
    }
    if (context.profile) summarizeParleyProfile(context);
    return rows(results, sizes);
  } finally {
    await api.close();
    await model.stop();
  }
};
