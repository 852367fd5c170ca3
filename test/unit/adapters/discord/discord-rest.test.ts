import { GatewayIntentBits, RateLimitError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DISCORD_INTENTS, discordIntents } from '../../../../adapters/discord/discord-client.ts';
import { toPlatformError } from '../../../../adapters/discord/discord-rest.ts';

describe('toPlatformError', () => {
  it('turns a rate limit too long to sit out into a retryable error that says how long to wait, in seconds', () => {
    const limit = new RateLimitError({
      timeToReset: 12_500,
      limit: 5,
      method: 'POST',
      hash: 'h',
      url: 'https://discord.test/api/v10/channels/1/messages',
      route: '/channels/:id/messages',
      majorParameter: '1',
      global: false,
      retryAfter: 12_500,
      sublimitTimeout: 0,
      scope: 'user',
    });
    const error = toPlatformError(limit, 'posting a reply');
    expect(error).toMatchObject({ platform: 'discord', isRetryable: true, retryAfterSeconds: 12.5 });
  });

  it('leaves the wait unset for other failures', () => {
    expect(toPlatformError(new Error('socket hang up'), 'posting').retryAfterSeconds).toBeUndefined();
  });
});

describe('discordIntents', () => {
  it('adds the privileged Message Content intent only when asked', () => {
    expect(discordIntents(false)).toEqual(DISCORD_INTENTS);
    expect(discordIntents(true)).toEqual([...DISCORD_INTENTS, GatewayIntentBits.MessageContent]);
  });
});
