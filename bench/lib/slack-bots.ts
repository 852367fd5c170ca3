import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/redis-server.ts';
import { type BotProcess, startBotProcess } from './bot-process.ts';
import { installPeer } from './peer-install.ts';
import { BENCH_SLACK_TOKEN } from './slack-fakes.ts';

/** The three bots the through-Slack scenarios hold side by side. */
export type SlackBotName = 'Parley' | 'Chat SDK peer' | 'minimal';

/** Where a bot's Slack app gets its model, store and Web API. */
export interface SlackBotEnv {
  /** Fake model base URL, with `/v1`. */
  modelUrl: string;
  /** The bench's redis-server. */
  redisUrl: string;
  /** Fake Slack Web API base URL, ending in `/api/`. */
  slackApiUrl: string;
  /** Signing secret the bench signs events with. */
  signingSecret: string;
  /** Log file for the bot's output. */
  logFile: string;
  /** Redis key prefix (Parley only). */
  redisPrefix: string;
  /** Write a V8 CPU profile of Parley's process here when it exits (`--profile`; Parley only). */
  cpuProfileDir?: string;
}

/** A started bot and where to POST its events. */
export interface SlackBot {
  /** Its process tree. */
  process: BotProcess;
  /** `http://127.0.0.1:<port>/slack/events` */
  eventsUrl: string;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts `name` on a free port with the same environment names for all three (Parley's, which the peer
 * shares): Parley as `node --import tsx src/app/main.ts` (role `all`), the peer as `npm start` in its
 * installed copy, the minimal responder from bench/minimal/. Throws with the reason when one cannot start.
 */
export async function startSlackBot(
  name: SlackBotName,
  env: SlackBotEnv,
  progress: (message: string) => void,
): Promise<SlackBot> {
  const port = await freePort();
  const common = {
    OPENAI_BASE_URL: env.modelUrl,
    OPENAI_API_KEY: 'sk-bench',
    MODEL: 'gpt-4o-mini',
    REDIS_URL: env.redisUrl,
    SLACK_BOT_TOKEN: BENCH_SLACK_TOKEN,
    SLACK_SIGNING_SECRET: env.signingSecret,
    SLACK_API_URL: env.slackApiUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const healthUrl = `http://127.0.0.1:${port}/healthz`;
  let command: { command: string; args: string[]; cwd: string; env: Record<string, string> };
  if (name === 'Parley') {
    command = {
      command: process.execPath,
      args: [
        ...(env.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${env.cpuProfileDir}`] : []),
        '--import',
        'tsx',
        'src/app/main.ts',
      ],
      cwd: repoRoot,
      env: { ...common, REDIS_PREFIX: env.redisPrefix },
    };
  } else if (name === 'minimal') {
    command = {
      command: process.execPath,
      args: ['--import', 'tsx', 'bench/minimal/slack-responder.ts'],
      cwd: repoRoot,
      env: common,
    };
  } else {
    const install = await installPeer(progress);
    if (!install.ok) throw new Error(install.reason);
    command = { command: 'npm', args: ['start'], cwd: install.dir, env: common };
  }
  const started = await startBotProcess({ ...command, logFile: env.logFile, healthUrl });
  return { process: started, eventsUrl: `http://127.0.0.1:${port}/slack/events` };
}
