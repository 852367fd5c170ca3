import { createSlackReplyChannel, type SlackReplyChannelOptions } from '../../adapters/slack/index.ts';
import { silentLogger } from '../../src/app/logger.ts';
import type { ReplyChannel } from '../../src/turn/reply-channel.ts';
import { type SlackConfig, testSlackConfig } from './test-slack-config.ts';

/** What a reply-channel test chooses; the rest is the tests' usual Slack reply channel. */
export interface TestSlackReplyChannelOptions extends Omit<SlackReplyChannelOptions, 'config' | 'logger'> {
  /** The fake Slack Web API's URL. */
  apiUrl: string;
  /** What differs from `testSlackConfig`'s configuration. */
  config?: Partial<SlackConfig>;
}

/** The real Slack reply channel on the fake Web API, silent, with no Web API retries unless `retryConfig` says. */
export function createTestSlackReplyChannel(options: TestSlackReplyChannelOptions): ReplyChannel {
  const { apiUrl, config, ...rest } = options;
  return createSlackReplyChannel({
    config: testSlackConfig(apiUrl, config),
    logger: silentLogger,
    retryConfig: { retries: 0 },
    ...rest,
  });
}
