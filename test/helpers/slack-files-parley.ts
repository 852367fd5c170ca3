import type { RunningParley } from '../../src/app/start-parley.ts';
import type { FakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import type { TestRedis } from './redis-server.ts';
import { startTestParley } from './test-parley.ts';

/**
 * A Parley on the fake Slack, with the fake's bot token (so it may download the fake's files), on its own key
 * prefix of `redis`, answered by `model`; `env` on top.
 */
export function startSlackParleyOnFakes(
  fakes: { model: FakeOpenAI; redis: TestRedis; api: FakeSlackApi; signingSecret: string },
  prefix: string,
  env: Record<string, string> = {},
): Promise<RunningParley> {
  return startTestParley({
    OPENAI_BASE_URL: fakes.model.url,
    REDIS_URL: fakes.redis.url,
    REDIS_PREFIX: prefix,
    SLACK_BOT_TOKEN: fakes.api.botToken,
    SLACK_SIGNING_SECRET: fakes.signingSecret,
    SLACK_API_URL: fakes.api.url,
    LOG_LEVEL: 'silent',
    ...env,
  });
}
