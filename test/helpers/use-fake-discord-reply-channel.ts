import { afterAll, beforeAll } from 'vitest';
import { createDiscordReplyChannel, type DiscordReplyChannelOptions } from '../../adapters/discord/index.ts';
import { silentLogger } from '../../src/app/logger.ts';
import type { ReplyChannel } from '../../src/turn/reply-channel.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../fakes/fake-discord-config.ts';

/** The fake Discord and the reply channel on it, set once the suite's `beforeAll` has run. */
export interface FakeDiscordReplyChannel {
  /** The fake Discord API. */
  readonly fake: FakeDiscord;
  /** The real Discord reply channel, configured against `fake`. */
  readonly channel: ReplyChannel;
}

/**
 * For the enclosing suite: a fake Discord started before its tests and closed after them, and the real reply
 * channel on it (silent; `options` name what else the suite sets).
 */
export function useFakeDiscordReplyChannel(
  options: Omit<DiscordReplyChannelOptions, 'config' | 'logger'> = {},
): FakeDiscordReplyChannel {
  let fake: FakeDiscord | undefined;
  let channel: ReplyChannel | undefined;
  beforeAll(async () => {
    fake = await startFakeDiscord();
    channel = createDiscordReplyChannel({
      config: fakeDiscordConfig(fake),
      logger: silentLogger,
      ...options,
    });
  });
  afterAll(async () => {
    await fake?.close();
  });
  return {
    get fake() {
      if (!fake) throw new Error('the fake Discord starts in beforeAll');
      return fake;
    },
    get channel() {
      if (!channel) throw new Error('the Discord reply channel is created in beforeAll');
      return channel;
    },
  };
}
