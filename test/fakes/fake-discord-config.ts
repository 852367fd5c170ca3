import type { Config } from '../../src/app/config.ts';
import type { FakeDiscord } from './fake-discord.ts';

/** The Discord adapter's configuration. */
type DiscordConfig = NonNullable<Config['discord']>;

/**
 * The Discord adapter configured against `fake` (its token and API): no guild, answers in place, other bots
 * ignored, as the defaults have it. `overrides` name what a test changes.
 */
export function fakeDiscordConfig(fake: FakeDiscord, overrides: Partial<DiscordConfig> = {}): DiscordConfig {
  return {
    token: fake.token,
    apiUrl: fake.apiUrl,
    guildId: undefined,
    replyInThread: false,
    ignoreBots: true,
    ...overrides,
  };
}
