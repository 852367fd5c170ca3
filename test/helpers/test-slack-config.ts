import type { Config } from '../../src/app/config.ts';

/** The Slack part of the configuration. */
export type SlackConfig = NonNullable<Config['slack']>;

/**
 * Slack configuration as the tests run it against the fake Web API at `apiUrl`: bot token `xoxb-test`, bots
 * ignored, a session per thread, neither signing secret nor app token unless `overrides` give one.
 */
export function testSlackConfig(apiUrl: string, overrides: Partial<SlackConfig> = {}): SlackConfig {
  return {
    botToken: 'xoxb-test',
    signingSecret: undefined,
    appToken: undefined,
    apiUrl,
    ignoreBots: true,
    sessionScope: 'thread',
    ...overrides,
  };
}
